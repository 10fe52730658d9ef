export interface EmbeddedPostgres {
  /** postgres://postgres@127.0.0.1:<port>/postgres — no password: the embedded server trusts loopback. */
  url: string;
  stop(): Promise<void>;
}

/**
 * Room for a few pools at once (the CLI's, a test's, a child process's). pglite-socket turns away
 * connections past this limit with a plain-text reply that postgres.js cannot parse, so be generous:
 * they all share one backend session and are served one query (or one transaction) at a time anyway.
 */
const MAX_CONNECTIONS = 64;

/**
 * An in-memory PostgreSQL (PGlite, wasm) behind a loopback TCP socket, so the same postgres.js
 * code runs against it as against a real server: `chaser dry-run --demo` and the test suite.
 * Takes a few seconds and several hundred MB to boot. It serves from this process's event loop, so
 * a child process talking to it works only while this process keeps its loop free (spawn
 * asynchronously, never spawnSync).
 *
 * Caveats of the shared session: advisory locks never conflict, startup parameters
 * (statement_timeout, application_name, search_path) are ignored, and `set` applies to every
 * connection.
 */
export async function startEmbeddedPostgres(): Promise<EmbeddedPostgres> {
  // Imported here so the CLI loads 27 MB of wasm only for --demo.
  const { PGlite } = await import('@electric-sql/pglite');
  const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
  const db = await PGlite.create();
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
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.stop();
      await db.close();
    },
  };
}
