import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { waitFor } from './wait.js';

/**
 * A pass-through proxy in front of the fake Slack that can hold Slack's ANSWER to chosen calls
 * until the test releases it. The call itself reaches the fake at once (a post is delivered and
 * recorded there); only chaser's view of it waits. That turns "while the first post is in
 * flight" into an event a test can wait for and end when it chooses: hold, wait until held,
 * do the thing (SIGTERM, start a second sweep, kill the database session), release. No timing.
 *
 * Point chaser at it with SLACK_API_URL = gate.url.
 */
export interface SlackGate {
  readonly url: string;
  /** Holds the answers to the next `times` calls of `method` (e.g. chat.postMessage). */
  hold(method: string, times?: number): void;
  /** Resolves once `count` answers are being held (the calls were handled by the fake). */
  whenHeld(count?: number): Promise<void>;
  /** How many answers are held right now. */
  heldCount(): number;
  /** Sends every held answer on, and stops holding. */
  release(): void;
  close(): Promise<void>;
}

interface HeldAnswer {
  res: ServerResponse;
  status: number;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

export async function startSlackGate(targetUrl: string): Promise<SlackGate> {
  const target = new URL(targetUrl);
  const holds = new Map<string, number>();
  let held: HeldAnswer[] = [];
  const sockets = new Set<Socket>();

  const send = ({ res, status, headers, body }: HeldAnswer) => {
    if (res.destroyed) return;
    const { 'transfer-encoding': _te, connection: _c, 'keep-alive': _ka, ...rest } = headers;
    res.writeHead(status, { ...rest, 'content-length': body.length });
    res.end(body);
  };

  const server = createServer((req, res) => {
    const method = new URL(req.url ?? '/', 'http://gate.invalid').pathname.split('/').filter(Boolean).pop() ?? '';
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const { host: _host, connection: _c, ...headers } = req.headers;
      const upstream = request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers }, (answer) => {
        const body: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => body.push(chunk));
        answer.on('end', () => {
          const reply = { res, status: answer.statusCode ?? 502, headers: answer.headers, body: Buffer.concat(body) };
          const remaining = holds.get(method) ?? 0;
          if (remaining > 0) {
            holds.set(method, remaining - 1);
            held.push(reply);
          } else {
            send(reply);
          }
        });
      });
      // The fake dropped the connection (a `dropConnection` fault): pass the drop on.
      upstream.on('error', () => req.socket.destroy());
      upstream.end(Buffer.concat(chunks));
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}${target.pathname}`,
    hold(method, times = 1) {
      holds.set(method, (holds.get(method) ?? 0) + times);
    },
    async whenHeld(count = 1) {
      await waitFor(() => held.length >= count, { what: `${count} held Slack answer(s)` });
    },
    heldCount: () => held.length,
    release() {
      holds.clear();
      const answers = held;
      held = [];
      answers.forEach(send);
    },
    close() {
      held = [];
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
    },
  };
}
