import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Debian's chromium (installed by .ci/run); tests that need it are skipped, by name, without it. */
export const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path) => existsSync(path));

export interface Rendered {
  png: Buffer;
  width: number;
  height: number;
  dom: string;
  /** Lines of Chromium's log that report a page problem: console messages, CSP refusals, failed loads. */
  pageErrors: string[];
}

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--hide-scrollbars',
  '--enable-logging=stderr',
  '--v=0',
];

/** Renders a local HTML file in headless Chromium: a PNG screenshot and the DOM after load. */
export async function renderInChromium(htmlPath: string, size = { width: 1100, height: 1400 }): Promise<Rendered> {
  if (!CHROMIUM) throw new Error('no chromium installed');
  const profile = mkdtempSync(join(tmpdir(), 'chaser-chromium-'));
  try {
    const url = pathToFileURL(htmlPath).href;
    const shot = join(profile, 'page.png');
    const common = [...FLAGS, `--user-data-dir=${profile}`, `--window-size=${size.width},${size.height}`];
    const screenshot = await run([...common, `--screenshot=${shot}`, url]);
    const dump = await run([...common, '--dump-dom', url]);
    const png = readFileSync(shot);
    const pageErrors = `${screenshot.stderr}\n${dump.stderr}`
      .split('\n')
      .filter((line) => /CONSOLE|Refused to|Failed to load resource|Uncaught/i.test(line));
    return { png, width: png.readUInt32BE(16), height: png.readUInt32BE(20), dom: dump.stdout, pageErrors };
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

function run(args: string[]): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(CHROMIUM as string, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve({ stdout, stderr }) : reject(new Error(`chromium exited ${code}: ${stderr.slice(-2000)}`)),
    );
  });
}

export const readText = (path: string) => readFileSync(path, 'utf8');
