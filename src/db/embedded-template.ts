import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { listMigrations, type Migration } from './migrate.js';

/**
 * A prepared PGlite data directory (a tar of PGDATA), so an embedded database boots by loading
 * files instead of running initdb (and the migrations) in WebAssembly every time: about 0.4 s
 * instead of 2.5–3 s, and no second wasm instance for initdb. Built once on first use and cached
 * where the user may write; checked before every use, rebuilt when it does not match.
 *
 * "empty" is a fresh cluster; "migrated" is "empty" with every shipped migration applied by the
 * same `migrate()` that `chaser migrate` runs. The demo's sample rows are not in it: they are dated
 * relative to `--now` (seeded at run time, a few milliseconds).
 */
export type TemplateSchema = 'empty' | 'migrated';

/** Where a template came from: the cache (verified), or built now and cached, or built now only. */
export type TemplateSource =
  | { kind: 'cache'; path: string }
  | { kind: 'built'; path: string; replaced?: string }
  | { kind: 'uncached'; reason: string; replaced?: string };

export interface Template {
  schema: TemplateSchema;
  /** The tar of PGDATA, for PGlite's `loadDataDir`. */
  data: Blob;
  source: TemplateSource;
}

/** What boots a PGlite instance from a tar (embedded.ts); passed in so this module loads no wasm. */
export interface TemplateBuilder {
  /** A fresh cluster through initdb, as a tar. */
  initdb(): Promise<Uint8Array>;
  /** Boots `empty`, applies the migrations, returns the result as a tar. */
  migrateFrom(empty: Blob): Promise<Uint8Array>;
}

export interface TemplateOptions {
  /** The environment (XDG_CACHE_HOME, HOME); the cache dir is derived from it. */
  env: Record<string, string | undefined>;
  builder: TemplateBuilder;
  /** Overrides the cache directory (tests); `null` disables caching. */
  cacheDir?: string | null;
}

/** Bumped whenever how a template is built changes (parameters, trimming, file layout). */
const FORMAT = 1;
const MAGIC = 'chaser-pglite-template';
/** The header is one line, well under this. */
const HEADER_MAX = 512;

/** initdb with 1 MB WAL segments: the default 16 MB segment is mostly zeros but still copied on every boot. */
export const INITDB_PARAMS = ['--wal-segsize=1'] as const;

/**
 * Everything a template depends on: chaser's version, PGlite's, the build format, and (for
 * "migrated") the name and content of every shipped migration. Any change gives another key, so
 * a template of another version or another schema is never loaded.
 */
export async function templateKey(schema: TemplateSchema, migrations?: Migration[]): Promise<string> {
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ MAGIC, FORMAT, chaser: chaserVersion(), pglite: pgliteVersion(), initdb: INITDB_PARAMS, schema }));
  if (schema === 'migrated') {
    for (const migration of migrations ?? (await listMigrations())) {
      hash.update(`\0${migration.name}\0`);
      hash.update(await readFile(migration.file));
    }
  }
  return hash.digest('hex');
}

/** $XDG_CACHE_HOME/chaser, else ~/.cache/chaser, else <tmpdir>/chaser-cache (no home directory). */
export function templateCacheDir(env: Record<string, string | undefined>): string {
  const xdg = env['XDG_CACHE_HOME'];
  if (xdg && xdg.startsWith('/')) return join(xdg, 'chaser');
  let home = env['HOME'];
  if (!home) {
    try {
      home = homedir();
    } catch {
      home = '';
    }
  }
  return home ? join(home, '.cache', 'chaser') : join(tmpdir(), 'chaser-cache');
}

export function templateFile(dir: string, schema: TemplateSchema, key: string): string {
  return join(dir, `pglite-${schema}-${key.slice(0, 16)}.template`);
}

/**
 * The template for `schema`: the cached one if it verifies, else a new one (cached if the cache
 * can be written; used from memory if not). A cached file that fails the check is replaced,
 * never loaded.
 */
export async function obtainTemplate(schema: TemplateSchema, options: TemplateOptions): Promise<Template> {
  const key = await templateKey(schema);
  const dir = options.cacheDir === undefined ? templateCacheDir(options.env) : options.cacheDir;
  const file = dir === null ? null : templateFile(dir, schema, key);
  let replaced: string | undefined;
  if (file) {
    const check = await verifyTemplate(file, key);
    if (check.ok) return { schema, data: new Blob([check.tar]), source: { kind: 'cache', path: file } };
    if (check.reason !== 'missing') replaced = check.reason;
  }
  const tar = await buildTemplate(schema, options);
  const data = new Blob([tar]);
  if (!file || !dir) return { schema, data, source: { kind: 'uncached', reason: 'caching is off', ...(replaced ? { replaced } : {}) } };
  try {
    await writeTemplate(dir, file, key, tar);
  } catch (error) {
    const reason = `cannot write ${dir}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`;
    return { schema, data, source: { kind: 'uncached', reason, ...(replaced ? { replaced } : {}) } };
  }
  await pruneOtherTemplates(dir, schema, file);
  return { schema, data, source: { kind: 'built', path: file, ...(replaced ? { replaced } : {}) } };
}

async function buildTemplate(schema: TemplateSchema, options: TemplateOptions): Promise<Uint8Array> {
  if (schema === 'empty') return options.builder.initdb();
  const empty = await obtainTemplate('empty', options);
  return options.builder.migrateFrom(empty.data);
}

export type TemplateCheck = { ok: true; tar: Uint8Array } | { ok: false; reason: string };

/**
 * Reads the file once and checks its header line (magic, format, key, size, sha256 of the tar)
 * against the tar behind it. Not ok, with why, when anything differs: another key (a stale
 * template), a short or altered body (a corrupt one), or no file. The tar returned is the bytes
 * that were checked: another process replacing the file meanwhile cannot slip in unchecked ones.
 */
export async function verifyTemplate(file: string, key: string): Promise<TemplateCheck> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // ENOTDIR: a file where the cache directory should be; nothing to read either way.
    return { ok: false, reason: code === 'ENOENT' || code === 'ENOTDIR' ? 'missing' : `unreadable (${code})` };
  }
  const end = bytes.subarray(0, HEADER_MAX).indexOf(0x0a);
  const [magic, format, fileKey, sizeText, sha256] = (end < 0 ? '' : bytes.subarray(0, end).toString('latin1')).split(' ');
  if (magic !== MAGIC || format !== String(FORMAT)) return { ok: false, reason: 'corrupt (no template header)' };
  if (fileKey !== key) return { ok: false, reason: 'stale (built for another version or schema)' };
  const tar = bytes.subarray(end + 1);
  if (Number(sizeText) !== tar.byteLength) return { ok: false, reason: 'corrupt (wrong size)' };
  if (createHash('sha256').update(tar).digest('hex') !== sha256) return { ok: false, reason: 'corrupt (checksum mismatch)' };
  return { ok: true, tar };
}

/** Written beside the target and renamed over it: readers see the old file or the whole new one. */
async function writeTemplate(dir: string, file: string, key: string, tar: Uint8Array): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const sha256 = createHash('sha256').update(tar).digest('hex');
  const header = Buffer.from(`${MAGIC} ${FORMAT} ${key} ${tar.byteLength} ${sha256}\n`, 'latin1');
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temp, Buffer.concat([header, tar]), { mode: 0o600 });
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => {});
    throw error;
  }
}

/** Templates of earlier versions are dead weight (about 15 MB each): remove them, best effort. */
async function pruneOtherTemplates(dir: string, schema: TemplateSchema, keep: string): Promise<void> {
  try {
    for (const name of await readdir(dir)) {
      const path = join(dir, name);
      if (path !== keep && name.startsWith(`pglite-${schema}-`) && name.endsWith('.template')) await rm(path, { force: true });
    }
  } catch {
    // Another process pruning at the same time, or a directory we may not list: harmless.
  }
}

const require = createRequire(import.meta.url);

function chaserVersion(): string {
  return (require('../../package.json') as { version: string }).version;
}

/** PGlite does not export its package.json: find it beside its resolved entry point (dist/). */
function pgliteVersion(): string {
  const entry = require.resolve('@electric-sql/pglite');
  const manifest = join(entry, '..', '..', 'package.json');
  return (require(manifest) as { version: string }).version;
}
