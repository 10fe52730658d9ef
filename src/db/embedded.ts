import type { PGlite as PGliteInstance } from '@electric-sql/pglite';
import { connect } from './connect.js';
import { migrate } from './migrate.js';
import { INITDB_PARAMS, obtainTemplate, type TemplateBuilder, type TemplateSchema, type TemplateSource } from './embedded-template.js';

export interface EmbeddedPostgres {
  /** postgres://postgres@127.0.0.1:<port>/postgres — no password: the embedded server trusts loopback. */
  url: string;
  /** Where the data directory it booted from came from (cache, built now, built without a cache). */
  template: TemplateSource;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /** "migrated" (default): every shipped migration applied; "empty": a bare cluster. */
  schema?: TemplateSchema;
  /** For the template cache directory (XDG_CACHE_HOME, HOME). */
  env: Record<string, string | undefined>;
  /** Overrides the template cache directory; null: build in memory every time. */
  cacheDir?: string | null;
}

/**
 * Room for a few pools at once (the CLI's, a test's, a child process's). pglite-socket turns away
 * connections past this limit with a plain-text reply that postgres.js cannot parse, so be generous:
 * they all share one backend session and are served one query (or one transaction) at a time anyway.
 */
const MAX_CONNECTIONS = 64;

/**
 * Postgres settings of every embedded instance, on top of PGlite's own. shared_buffers: Postgres'
 * 128 MB default is zeroed (so resident) at start in wasm memory, and its "disk" is memory anyway;
 * 4 MB (512 pages) holds the demo and every test's working set and saves about 60 MB per instance.
 */
const SERVER_SETTINGS = ['-c', 'shared_buffers=4MB'];

/**
 * An in-memory PostgreSQL (PGlite, wasm) behind a loopback TCP socket, so the same postgres.js
 * code runs against it as against a real server: `chaser dry-run --demo` and the test suite.
 * Boots from a prepared data directory (embedded-template.ts): well under a second once the
 * template is cached, a few seconds the first time. It serves from this process's event loop, so
 * a child process talking to it works only while this process keeps its loop free (spawn
 * asynchronously, never spawnSync).
 *
 * Caveats of the shared session: advisory locks never conflict, startup parameters
 * (statement_timeout, application_name, search_path) are ignored, and `set` applies to every
 * connection.
 */
export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedPostgres> {
  const template = await obtainTemplate(options.schema ?? 'migrated', {
    env: options.env,
    builder: templateBuilder,
    ...(options.cacheDir !== undefined ? { cacheDir: options.cacheDir } : {}),
  });
  const served = await serve(template.data);
  return { ...served, template: template.source };
}

/** A PGlite booted from `data` (a PGDATA tar) behind a loopback socket. */
async function serve(data: Blob, settings: string[] = []): Promise<Omit<EmbeddedPostgres, 'template'> & { dump(): Promise<Uint8Array> }> {
  // Imported here so the CLI loads 27 MB of wasm only for --demo.
  const { PGlite } = await import('@electric-sql/pglite');
  const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
  const db = await PGlite.create({ loadDataDir: data, startParams: [...PGlite.defaultStartParams, ...SERVER_SETTINGS, ...settings] });
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: MAX_CONNECTIONS });
  try {
    await server.start();
  } catch (error) {
    await db.close();
    throw error;
  }
  let stopped = false;
  return {
    url: `postgres://postgres@${server.getServerConn()}/postgres`,
    dump: () => dumpTrimmed(db),
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.stop();
      await db.close();
    },
  };
}

/** WAL kept to two 1 MB segments while building, so the tar carries little WAL. */
const BUILD_SETTINGS = ['-c', 'min_wal_size=2MB', '-c', 'max_wal_size=4MB'];

/**
 * PGDATA as a tar, after a checkpoint (so a boot finds everything in the data files and replays
 * almost no WAL), without the WAL segments before the checkpoint's redo point or preallocated
 * past the insert point: Postgres keeps them for recycling, a boot never reads them.
 */
async function dumpTrimmed(db: PGliteInstance): Promise<Uint8Array> {
  await db.exec('checkpoint');
  const [row] = (
    await db.query<{ redo: string; insert: string }>(
      'select redo_wal_file as redo, pg_walfile_name(pg_current_wal_insert_lsn()) as insert from pg_control_checkpoint()',
    )
  ).rows;
  if (row) {
    const { PGlite } = await import('@electric-sql/pglite');
    const dir = `${PGlite.paths.PGDATA}/pg_wal`;
    // Emscripten's FS, which PGlite's typings leave unresolved: the two calls used here.
    const fs = (db.Module as unknown as { FS: { readdir(path: string): string[]; unlink(path: string): void } }).FS;
    for (const name of fs.readdir(dir)) {
      if (/^[0-9A-F]{24}$/.test(name) && (name < row.redo || name > row.insert)) fs.unlink(`${dir}/${name}`);
    }
  }
  return new Uint8Array(await (await db.dumpDataDir('none')).arrayBuffer());
}

/** How templates are built (exported for the bench's step timings). */
export const templateBuilder: TemplateBuilder = {
  async initdb() {
    const { PGlite } = await import('@electric-sql/pglite');
    const db = await PGlite.create({
      initDbStartParams: [...INITDB_PARAMS],
      startParams: [...PGlite.defaultStartParams, ...SERVER_SETTINGS, ...BUILD_SETTINGS],
    });
    try {
      // Nothing creates databases in an embedded instance; the two template databases are 2/3 of
      // the files every boot would copy. DROP DATABASE refuses a transaction block: one at a time.
      await db.exec(`update pg_database set datistemplate = false where datname in ('template0', 'template1')`);
      await db.exec('drop database template0');
      await db.exec('drop database template1');
      return await dumpTrimmed(db);
    } finally {
      await db.close();
    }
  },
  async migrateFrom(empty) {
    const served = await serve(empty, BUILD_SETTINGS);
    try {
      const sql = connect(served.url, { connectTimeoutSeconds: 10, statementTimeoutMs: 30_000, max: 1 });
      try {
        await migrate(sql);
      } finally {
        await sql.end();
      }
      return await served.dump();
    } finally {
      await served.stop();
    }
  },
};
