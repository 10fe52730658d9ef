import { connect, createServer, type Server, type Socket } from 'node:net';

/** A loopback port nothing listens on (bound, then released): connecting to it is refused at once. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * A loopback server that accepts TCP connections and never says a word: what a hung Postgres or a
 * black-holing proxy looks like to a client, so only the client's own timeout can end the wait.
 */
export async function silentServer(): Promise<{ port: number; connections: () => number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server: Server = createServer((socket) => {
    accepted += 1;
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    port,
    connections: () => accepted,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * A loopback port that refuses every connection (ECONNREFUSED, as a closed port does) and that no
 * other server can be handed while a test uses it: closedPort's port is released, so under load a
 * parallel test's server may bind it before chaser connects. Here the port is the local end of an
 * open client connection: taken (a listen on it is EADDRINUSE), yet nothing listens on it, so the
 * kernel answers a connect with a reset. Close it when done.
 */
export async function refusingPort(): Promise<{ port: number; close(): Promise<void> }> {
  const accepted = new Set<Socket>();
  const server: Server = createServer((socket) => {
    accepted.add(socket);
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const holder = connect({ host: '127.0.0.1', port: (server.address() as { port: number }).port });
  holder.on('error', () => {});
  await new Promise<void>((resolve) => holder.once('connect', resolve));
  const port = holder.localPort;
  if (port === undefined) throw new Error('refusingPort: the holding connection has no local port');
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        holder.destroy();
        for (const socket of accepted) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
