import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * ARCHITECTURE.md's import rules, checked: each folder imports only from the layers listed before
 * it, and no module (bench and tests included) is part of an import circle. Static and dynamic
 * imports both count.
 */
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Bottom-up, as in ARCHITECTURE.md. Folders in one entry may not import each other. */
const LAYERS: readonly (readonly string[])[] = [
  ['src/exit-codes.ts', 'src/redact.ts'],
  ['src/log.ts'],
  ['src/config'],
  ['src/policy'],
  ['src/run'],
  ['src/slack/render'],
  ['src/report', 'src/db', 'src/slack/deliver'],
  ['src/demo', 'src/doctor'],
  ['src/pipeline'],
  ['src/commands'],
  ['src/cli.ts'],
];

function filesUnder(folder: string): string[] {
  return readdirSync(join(ROOT, folder), { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return filesUnder(path);
    return entry.isFile() && entry.name.endsWith('.ts') ? [path] : [];
  });
}

const IMPORT = /(?:\bfrom|\bimport)\s*\(?\s*'(\.{1,2}\/[^']+)'/g;

function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  return [...text.matchAll(IMPORT)].map((m) => normalize(join(dirname(file), m[1]!)).replace(/\.js$/, '.ts'));
}

function layerOf(file: string): number {
  return LAYERS.findIndex((layer) => layer.some((unit) => file === unit || file.startsWith(`${unit}/`)));
}

const all = [...filesUnder('src'), ...filesUnder('test'), ...filesUnder('bench')];
const graph = new Map(all.map((file) => [file, importsOf(file)]));

describe('architecture', () => {
  it('places every src module in a layer', () => {
    expect(all.filter((f) => f.startsWith('src/') && layerOf(f) < 0)).toEqual([]);
  });

  it('imports only downwards within src, never across folders of one layer', () => {
    const upward: string[] = [];
    for (const [file, targets] of graph) {
      if (!file.startsWith('src/')) continue;
      const own = layerOf(file);
      const unit = LAYERS[own]!.find((u) => file === u || file.startsWith(`${u}/`));
      for (const target of targets) {
        const theirs = layerOf(target);
        const sameUnit = unit !== undefined && (target === unit || target.startsWith(`${unit}/`));
        if (!sameUnit && theirs >= own) upward.push(`${file} → ${target}`);
      }
    }
    expect(upward).toEqual([]);
  });

  it('keeps src free of test and bench code, and nothing but bench imports bench', () => {
    const wrong = [...graph].flatMap(([file, targets]) =>
      targets
        .filter((t) => (file.startsWith('src/') && !t.startsWith('src/')) || (t.startsWith('bench/') && !file.startsWith('bench/')))
        .map((t) => `${file} → ${t}`),
    );
    expect(wrong).toEqual([]);
  });

  it('has no import circles (src, test, bench)', () => {
    const circles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const path: string[] = [];
    const visit = (file: string) => {
      state.set(file, 'open');
      path.push(file);
      for (const next of graph.get(file) ?? []) {
        if (state.get(next) === 'open') circles.push([...path.slice(path.indexOf(next)), next].join(' → '));
        else if (!state.has(next)) visit(next);
      }
      path.pop();
      state.set(file, 'done');
    };
    for (const file of graph.keys()) if (!state.has(file)) visit(file);
    expect(circles).toEqual([]);
  });
});
