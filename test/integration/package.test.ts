import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, TEST_TOKEN, assertNoSecrets } from '../support/cli.js';

/**
 * The package as a user installs it: `npm pack` of this checkout, installed from the tarball into
 * an empty directory, then only what the README tells a user to type there. Dependencies come
 * from npm's cache when it has them (--prefer-offline), from the registry otherwise.
 */

const run = promisify(execFile);
const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  bin: Record<string, string>;
};
const README = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');

let work: string;
let app: string;

/** The scrubbed environment a user's shell would give, with npx told never to fetch a package it does not find. */
function userEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env['PATH'] ?? '',
    HOME: process.env['HOME'] ?? tmpdir(),
    NO_COLOR: '1',
    npm_config_yes: 'false',
    npm_config_update_notifier: 'false',
    ...extra,
  };
}

async function inApp(command: string, args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(command, args, { cwd: app, env: userEnv(env), maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number | string; stdout?: string; stderr?: string };
    return { code: typeof failed.code === 'number' ? failed.code : -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'chaser-package-'));
  app = join(work, 'app');
  mkdirSync(app);
  // dist/ is built by `npm test`'s pretest; --ignore-scripts keeps pack from building it a second time.
  const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], {
    cwd: REPO_ROOT,
    maxBuffer: 16 * 1024 * 1024,
  });
  const [{ filename }] = JSON.parse(packed.stdout) as [{ filename: string }];
  await run(
    'npm',
    ['install', join(work, filename), '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel', 'error'],
    { cwd: app, env: userEnv(), maxBuffer: 16 * 1024 * 1024 },
  );
}, 300_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe(`the package as installed from its tarball (${pkg.name})`, () => {
  it('is not called "chaser" (an unrelated package owns that name on npm), and still installs the command chaser', () => {
    expect(pkg.name).not.toBe('chaser');
    expect(Object.keys(pkg.bin)).toEqual(['chaser']);
    expect(realpathSync(join(app, 'node_modules', '.bin', 'chaser'))).toBe(
      realpathSync(join(app, 'node_modules', pkg.name, 'bin', 'chaser.js')),
    );
  });

  it('npx chaser --version prints this version', async () => {
    const result = await inApp('npx', ['chaser', '--version']);
    expect(result).toMatchObject({ code: 0, stdout: `${pkg.version}\n` });
  });

  it('npx chaser dry-run --demo runs the whole demo from the installed package (exit 3)', async () => {
    const result = await inApp('npx', ['chaser', 'dry-run', '--demo']);
    expect(result.code).toBe(3);
    expect(result.stdout).toMatch(/^chaser dry-run · as of /);
    expect(result.stdout).toContain('Digest for the security lead (not sent)');
    expect(result.stdout).toContain('exit 3: consumers remain outstanding');
  }, 60_000);

  it("the README's cp of the example config works there, its $schema resolves, and chaser accepts the copy", async () => {
    const cp = /^cp (node_modules\/\S+) (\S+)/m.exec(README);
    expect(cp, 'the README shows how to copy the example config out of node_modules').not.toBeNull();
    const [, from = '', to = ''] = cp!;
    expect(from).toBe(`node_modules/${pkg.name}/chaser.config.example.json`);
    copyFileSync(join(app, from), join(app, to));

    const example = JSON.parse(readFileSync(join(app, to), 'utf8')) as { $schema: string };
    const schemaPath = resolve(dirname(join(app, to)), example.$schema);
    expect(existsSync(schemaPath), `${example.$schema} from ${to}`).toBe(true);
    expect(JSON.parse(readFileSync(schemaPath, 'utf8'))).toMatchObject({ title: 'chaser configuration' });

    // doctor checks the config first; the database and Slack are not there, so it ends 78 on those.
    const doctor = await inApp('npx', ['chaser', 'doctor'], { DATABASE_URL: 'postgres://chaser@127.0.0.1:9/none' });
    assertNoSecrets(doctor, [TEST_TOKEN]);
    expect(doctor.stdout).toMatch(new RegExp(`✓ config valid — \\S*/${to.replace(/\./g, '\\.')}\\n`));
  }, 60_000);

  it('the README speaks of the package by its name wherever it is installed or run outside a checkout', () => {
    expect(README).not.toMatch(/node_modules\/chaser\//);
    expect(README).toContain(`npm install ${pkg.name}`);
    expect(README).toContain(`npx ${pkg.name} dry-run --demo`);
  });
});
