import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { ACCEPTED_SCOPES as POST_SCOPES, METHODS as POST_METHODS, fail, text, type Params, type Reply } from './fake-slack-methods.js';
import { THREAD_METHODS, THREAD_SCOPES } from './fake-slack-threads.js';
import {
  DEFAULT_IDENTITY,
  FakeWorkspace,
  type ChannelSpec,
  type FakeChannel,
  type FakeIdentity,
  type FakeMessage,
  type FakeUser,
  type UserSpec,
} from './fake-slack-workspace.js';

import { deliverScheduled, SCHEDULE_METHODS, SCHEDULE_SCOPES } from './fake-slack-schedule.js';
import type { ChannelMessage, ScheduledMessage } from './fake-slack-workspace.js';
export type { ChannelMessage, ScheduledMessage } from './fake-slack-workspace.js';
export type { ChannelSpec, FakeChannel, FakeIdentity, FakeMessage, FakeUser, UserSpec } from './fake-slack-workspace.js';
export { DEFAULT_IDENTITY } from './fake-slack-workspace.js';

/**
 * A fake Slack Web API on loopback, for running the real @slack/web-api WebClient (in the test
 * process or in a spawned chaser CLI via SLACK_API_URL) against something that answers like Slack:
 * HTTP 200 + `ok:false` for API errors, 429 + Retry-After for rate limits, Block Kit validation,
 * scopes, channel membership. Every request is recorded so tests can assert what chaser sent.
 *
 * It never blocks the event loop (a child process may be talking to it while the test awaits),
 * and close() is prompt even with delayed answers or keep-alive sockets open.
 */

const METHODS = { ...POST_METHODS, ...THREAD_METHODS };
const ACCEPTED_SCOPES: Record<string, string> = { ...POST_SCOPES, ...THREAD_SCOPES };

export const DEFAULT_TOKEN = 'xoxb-test-token';

export const DEFAULT_SCOPES: readonly string[] = [
  'chat:write',
  'chat:write.public',
  'channels:join',
  'channels:read',
  'groups:read',
  'im:write',
  'users:read',
  'users:read.email',
];

export interface FakeSlackOptions {
  /** The only token accepted (as `Authorization: Bearer …` or a `token` form field). Default DEFAULT_TOKEN. */
  token?: string;
  /** Scopes granted to the token. Default DEFAULT_SCOPES. */
  scopes?: readonly string[];
  /** Delay before every response, in ms. Default 0. */
  latencyMs?: number;
  /** Answer 429 to a post into a channel within `channelIntervalMs` of its last accepted post. Default false. */
  enforceChannelRate?: boolean;
  /** Slack allows about one message per second per channel. Default 1000. */
  channelIntervalMs?: number;
  /** Channels that exist from the start. Default none. */
  channels?: readonly ChannelSpec[];
  /** Users that exist from the start. Default none. */
  users?: readonly UserSpec[];
  /** What auth.test reports. Default DEFAULT_IDENTITY. */
  identity?: Partial<FakeIdentity>;
  /**
   * Slack's per-method limits ("per API method per workspace per app"): at most N calls of the
   * method per `rateWindowMs`, then 429 with Retry-After until the window has room. E.g.
   * `{ 'conversations.replies': 50 }` is Tier 3. Default none.
   */
  methodLimits?: Readonly<Record<string, number>>;
  /** The window of methodLimits. Default 60,000 (Slack's per-minute tiers); benches shrink it to scale time. */
  rateWindowMs?: number;
  /** User groups (S…) and their members. Default none. */
  usergroups?: Readonly<Record<string, readonly string[]>>;
}

/** A message a person (or another app) writes, for tests that play a team answering. */
export interface FakeAuthored {
  channel: string;
  ts: string;
}

/**
 * What the next matching call(s) answer instead of the normal response.
 * - `error`: HTTP 200 `{ok:false, error, ...extra}`. With `deliver: true` (chat.postMessage) the
 *   message is posted first anyway, like Slack's `fatal_error` that "may have partly succeeded".
 * - `status: 429`: `retry-after` header and `{"ok":false,"error":"ratelimited"}`.
 * - `status: 5xx`: an HTML page, as Slack's outage pages are.
 *   `deliver: true` posts first: a gateway (502/504) that lost Slack's answer.
 * - `delayMs`: handled normally (a post IS delivered), answered late: a client timeout that still posted.
 * - `dropConnection`: the socket is destroyed without an answer; `deliver: true` posts first.
 * - `body`: HTTP 200 with this raw JSON text (`null`, `"ok"`, `[]`): an answer a proxy mangled;
 *   `deliver: true` posts first.
 */
export type Fault =
  | { error: string; extra?: Record<string, unknown>; deliver?: boolean }
  | { status: 429; retryAfter: number }
  | { status: 500 | 502 | 503 | 504; deliver?: boolean }
  | { delayMs: number }
  | { dropConnection: true; deliver?: boolean }
  | { body: string; deliver?: boolean };

export interface FaultOptions {
  /** How many matching calls get the fault. Default 1; Infinity for all of them. */
  times?: number;
  /** Only calls whose `channel` is this (ID, `#name`, name or user ID: compared after resolving). */
  channel?: string;
}

export interface RecordedRequest {
  /** The Web API method, e.g. `chat.postMessage` (the last path segment). */
  method: string;
  headers: IncomingHttpHeaders;
  /** Decoded parameters: form or JSON fields, with `blocks`/`attachments`/`metadata` JSON-parsed. */
  params: Params;
  /** HTTP status answered; null while unanswered or when no answer reached the client. */
  status: number | null;
  /** The parsed JSON body answered (a string for HTML pages); undefined when not answered. */
  response: unknown;
  /** performance.now() at arrival: monotonic, comparable between requests. */
  receivedAt: number;
  /** Set when this request put a message into a conversation. */
  delivered?: { channelId: string; ts: string };
}

export interface RecordedPost {
  /** The `channel` argument as chaser sent it (`C…`, `#name`, `U…`). */
  channel: string;
  /** The conversation the message went to. */
  channelId: string;
  text: string | undefined;
  blocks: unknown[] | undefined;
  params: Params;
  ts: string;
}

export interface FakeSlack {
  /** Give this to WebClient as `slackApiUrl` (or to chaser as SLACK_API_URL). Ends in `/api/`. */
  readonly url: string;
  readonly token: string;
  /** Every request, in arrival order (live array). */
  readonly requests: readonly RecordedRequest[];
  addChannel(spec: ChannelSpec): FakeChannel;
  addUser(spec: UserSpec): FakeUser;
  /** The live channel (mutate it to archive it, remove the bot, …), by ID or name. */
  channel(ref: string): FakeChannel | undefined;
  /** The bot's DM id with a user, if one was opened (by conversations.open or a post to `U…`). */
  dmWith(userId: string): string | undefined;
  setScopes(scopes: readonly string[]): void;
  /** Makes every authenticated call answer this error (token_revoked, account_inactive, …); null undoes it. */
  setTokenError(code: string | null): void;
  fail(method: string, fault: Fault, options?: FaultOptions): void;
  /** The chat.postMessage calls that delivered a message, in arrival order. */
  posts(): RecordedPost[];
  /** Sets the fake's clock (what chat.scheduleMessage calls "now"); undefined: the real clock. */
  setClock(at: Date | undefined): void;
  /** Scheduled messages not yet posted. */
  scheduled(): ScheduledMessage[];
  /** Plays Slack's scheduler up to `at`: posts what is due, returns it. */
  deliverScheduled(at: Date): ChannelMessage[];
  /** What conversations.history holds for a channel. */
  history(channelId: string): ChannelMessage[];
  calls(method: string): RecordedRequest[];
  /** Top-level message by a user (a bot user's carries a bot_id). */
  say(channel: string, user: string, text: string): FakeAuthored;
  /** A reply by a user in the thread of `threadTs`. */
  reply(channel: string, threadTs: string, user: string, text: string): FakeAuthored;
  /** A user adds a reaction (emoji name without colons) to a message. */
  react(channel: string, ts: string, user: string, name: string): void;
  /** Deletes a message (a person removing chaser's parent, say). */
  deleteMessage(channel: string, ts: string): void;
  /** An admin locks a thread: replies into it are refused. */
  lockThread(channel: string, parentTs: string): void;
  /** The workspace's edit window closed for this message: chat.update answers edit_window_closed. */
  closeEditWindow(channel: string, ts: string): void;
  addUsergroup(id: string, members: readonly string[]): void;
  /** The live messages of a conversation (top-level and replies), oldest first. */
  messages(channel: string): readonly FakeMessage[];
  /** The message with this ts, if it still exists. */
  message(channel: string, ts: string): FakeMessage | undefined;
  /** Replies of one thread, oldest first. */
  thread(channel: string, parentTs: string): readonly FakeMessage[];
  /** Forgets requests, pending faults and rate-limit history; keeps channels, users, scopes. */
  reset(): void;
  /** Stops listening and destroys every open socket; delayed answers are abandoned. */
  close(): Promise<void>;
}

interface QueuedFault {
  method: string;
  fault: Fault;
  remaining: number;
  channel?: string;
}

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** What the recording keeps: the parsed JSON, or the HTML. */
  recorded: unknown;
}

const JSON_TYPE = 'application/json; charset=utf-8';
/** Fields WebClient JSON-encodes into a single form field. */
const JSON_FIELDS = ['blocks', 'attachments', 'metadata'];

export async function startFakeSlack(options: FakeSlackOptions = {}): Promise<FakeSlack> {
  const token = options.token ?? DEFAULT_TOKEN;
  const latencyMs = options.latencyMs ?? 0;
  const channelIntervalMs = options.channelIntervalMs ?? 1000;
  const workspace = new FakeWorkspace(options.scopes ?? DEFAULT_SCOPES, { ...DEFAULT_IDENTITY, ...options.identity });
  for (const channel of options.channels ?? []) workspace.addChannel(channel);
  for (const user of options.users ?? []) workspace.addUser(user);
  for (const [id, members] of Object.entries(options.usergroups ?? {})) workspace.usergroups.set(id, [...members]);
  const rateWindowMs = options.rateWindowMs ?? 60_000;
  /** method → receivedAt of its accepted calls within the window, for methodLimits. */
  const methodCalls = new Map<string, number[]>();

  const requests: RecordedRequest[] = [];
  let faults: QueuedFault[] = [];
  let tokenError: string | null = null;
  /** channel ID → receivedAt of its last accepted post, for enforceChannelRate. */
  const lastPostAt = new Map<string, number>();
  const sockets = new Set<Socket>();
  const waits = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  let closed = false;

  /** A wait that close() can cut short; unref'd so a forgotten fake never holds the process open. */
  const wait = (ms: number): Promise<void> =>
    ms <= 0
      ? Promise.resolve()
      : new Promise((resolve) => {
          const entry = {
            resolve: () => {
              waits.delete(entry);
              resolve();
            },
            timer: setTimeout(() => entry.resolve(), ms),
          };
          entry.timer.unref();
          waits.add(entry);
        });

  const sameChannel = (sent: unknown, wanted: string): boolean => {
    if (typeof sent !== 'string') return false;
    if (sent === wanted) return true;
    const a = conversationId(sent);
    return a !== undefined && a === conversationId(wanted);
  };
  const conversationId = (ref: string): string | undefined => {
    const target = workspace.resolvePostTarget(ref, { open: false });
    return target?.kind === 'channel' ? target.channel.id : target?.id;
  };

  const takeFault = (method: string, params: Params): Fault | undefined => {
    const queued = faults.find((f) => f.method === method && (f.channel === undefined || sameChannel(params['channel'], f.channel)));
    if (!queued) return undefined;
    queued.remaining -= 1;
    if (queued.remaining <= 0) faults = faults.filter((f) => f !== queued);
    return queued.fault;
  };

  /** What Slack would answer, decided synchronously so concurrent requests see a consistent world. */
  const decide = (
    method: string,
    params: Params,
    headers: IncomingHttpHeaders,
    record: RecordedRequest,
  ): { answer: Answer | 'drop'; delayMs: number } => {
    const normally = (): Answer => answerMethod(method, params, headers, record);
    const fault = takeFault(method, params);
    if (!fault) return { answer: normally(), delayMs: 0 };
    if ('delayMs' in fault) return { answer: normally(), delayMs: fault.delayMs };
    if ('dropConnection' in fault) {
      if (fault.deliver) normally();
      return { answer: 'drop', delayMs: 0 };
    }
    if ('error' in fault) {
      if (fault.deliver) normally();
      return { answer: jsonAnswer(fail(fault.error, fault.extra)), delayMs: 0 };
    }
    if ('body' in fault) {
      if (fault.deliver) normally();
      return { answer: { status: 200, headers: { 'content-type': JSON_TYPE }, body: fault.body, recorded: fault.body }, delayMs: 0 };
    }
    if (fault.status === 429) return { answer: rateLimited(fault.retryAfter), delayMs: 0 };
    if (fault.deliver) normally();
    return { answer: outagePage(fault.status), delayMs: 0 };
  };

  /** Slack reports the token's scopes (and the method's) on authenticated answers only. */
  const jsonAnswer = (reply: Reply, scopesOf?: string): Answer => {
    const accepted = scopesOf === undefined ? undefined : (ACCEPTED_SCOPES[scopesOf] ?? SCHEDULE_SCOPES[scopesOf]);
    return {
      status: 200,
      headers: {
        'content-type': JSON_TYPE,
        ...(scopesOf === undefined ? {} : { 'x-oauth-scopes': [...workspace.scopes].join(',') }),
        ...(accepted === undefined ? {} : { 'x-accepted-oauth-scopes': accepted }),
      },
      body: JSON.stringify(reply.body),
      recorded: reply.body,
    };
  };

  /** The normal answer: method lookup, token, channel rate, then the method itself. */
  const answerMethod = (method: string, params: Params, headers: IncomingHttpHeaders, record: RecordedRequest): Answer => {
    const handler = METHODS[method] ?? SCHEDULE_METHODS[method];
    if (!handler) return jsonAnswer(fail('unknown_method', { req_method: method }));
    const presented = bearerToken(headers) ?? text(params, 'token');
    if (!presented) return jsonAnswer(fail('not_authed'));
    if (tokenError) return jsonAnswer(fail(tokenError));
    if (presented !== token) return jsonAnswer(fail('invalid_auth'));
    if (method === 'chat.postMessage' && options.enforceChannelRate) {
      const channelId = conversationId(text(params, 'channel') ?? '');
      const last = channelId === undefined ? undefined : lastPostAt.get(channelId);
      // Slack's Retry-After is in whole seconds, so even a shorter test interval says 1.
      if (last !== undefined && record.receivedAt - last < channelIntervalMs) return rateLimited(1);
    }
    const limit = options.methodLimits?.[method];
    if (limit !== undefined) {
      const recent = (methodCalls.get(method) ?? []).filter((t) => record.receivedAt - t < rateWindowMs);
      methodCalls.set(method, recent);
      if (recent.length >= limit) {
        const freeAt = (recent[0] ?? record.receivedAt) + rateWindowMs;
        return rateLimited(Math.max(1, Math.ceil((freeAt - record.receivedAt) / 1000)));
      }
      recent.push(record.receivedAt);
    }
    const reply = handler(params, workspace);
    if (reply.delivered) {
      record.delivered = reply.delivered;
      // Max: a post that arrived earlier may finish later; the window runs from the latest arrival.
      const previous = lastPostAt.get(reply.delivered.channelId) ?? -Infinity;
      lastPostAt.set(reply.delivered.channelId, Math.max(previous, record.receivedAt));
    }
    return jsonAnswer(reply, method);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://fake-slack.invalid');
    const method =
      url.pathname
        .split('/')
        .filter((s) => s !== '')
        .pop() ?? '';
    const record: RecordedRequest = {
      method,
      headers: req.headers,
      params: {},
      status: null,
      response: undefined,
      receivedAt: performance.now(),
    };
    requests.push(record);

    const raw = await readBody(req);
    if (raw === undefined || closed) return; // the client went away mid-request, or we are shutting down
    const parsed = parseParams(url.searchParams, req.headers['content-type'], raw);
    record.params = parsed.params;

    const decision = parsed.ok
      ? decide(method, parsed.params, req.headers, record)
      : { answer: jsonAnswer(fail(parsed.error)), delayMs: 0 };

    await wait(latencyMs + decision.delayMs);
    if (closed || req.socket.destroyed) return;
    if (decision.answer === 'drop') {
      req.socket.destroy();
      return;
    }
    const { status, headers, body, recorded } = decision.answer;
    res.writeHead(status, { ...headers, 'content-length': Buffer.byteLength(body) });
    res.end(body);
    record.status = status;
    record.response = recorded;
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      // A bug in the fake must show up as a failing test, not a hung one.
      if (!res.headersSent && !res.destroyed) {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`fake Slack crashed: ${String(error)}`);
      }
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  const conversationIdOrThrow = (ref: string): string => {
    const id = conversationId(ref);
    if (id === undefined) throw new Error(`fake Slack: no conversation ${JSON.stringify(ref)}`);
    return id;
  };
  /** A person's (or another app's) message, as Slack would store it. */
  const author = (channel: string, user: string, messageText: string, threadTs?: string): FakeAuthored => {
    const id = conversationIdOrThrow(channel);
    const who = workspace.users.get(user);
    if (!who) throw new Error(`fake Slack: add user ${user} before they write`);
    if (threadTs) {
      const parent = workspace.findMessage(id, threadTs);
      if (!parent) throw new Error(`fake Slack: no parent ${threadTs} in ${channel}`);
      parent.threadTs = parent.ts;
    }
    const ts = workspace.nextTs();
    workspace.addMessage(id, {
      ts,
      user,
      text: messageText,
      reactions: new Map(),
      ...(who.isBot ? { botId: `B${user.slice(1)}` } : {}),
      ...(threadTs ? { threadTs } : {}),
    });
    return { channel: id, ts };
  };

  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}/api/`,
    token,
    requests,
    addChannel: (spec) => workspace.addChannel(spec),
    addUser: (spec) => workspace.addUser(spec),
    channel: (ref) => workspace.findChannel(ref, { byName: true }),
    dmWith: (userId) => workspace.dmOf(userId),
    setScopes: (scopes) => {
      workspace.scopes = new Set(scopes);
    },
    setTokenError: (code) => {
      tokenError = code;
    },
    fail: (method, fault, faultOptions = {}) => {
      const times = faultOptions.times ?? 1;
      if (!(times >= 1)) throw new Error(`fake Slack: fail(…, { times: ${times} }) should be at least 1`);
      faults.push({
        method,
        fault,
        remaining: times,
        ...(faultOptions.channel === undefined ? {} : { channel: faultOptions.channel }),
      });
    },
    posts: () =>
      requests.flatMap((r) =>
        r.method === 'chat.postMessage' && r.delivered
          ? [
              {
                channel: text(r.params, 'channel') ?? '',
                channelId: r.delivered.channelId,
                text: text(r.params, 'text'),
                blocks: Array.isArray(r.params['blocks']) ? (r.params['blocks'] as unknown[]) : undefined,
                params: r.params,
                ts: r.delivered.ts,
              },
            ]
          : [],
      ),
    calls: (method) => requests.filter((r) => r.method === method),
    setClock: (at) => {
      workspace.clock = at;
    },
    scheduled: () => [...workspace.scheduled.values()],
    deliverScheduled: (at) => deliverScheduled(workspace, at.getTime()),
    history: (channelId) => [...(workspace.history.get(channelId) ?? [])],
    say: (channel, user, messageText) => author(channel, user, messageText),
    reply: (channel, threadTs, user, messageText) => author(channel, user, messageText, threadTs),
    react: (channel, ts, user, name) => {
      const message = workspace.findMessage(conversationIdOrThrow(channel), ts);
      if (!message) throw new Error(`fake Slack: no message ${ts} in ${channel} to react to`);
      const users = message.reactions.get(name) ?? [];
      if (!users.includes(user)) message.reactions.set(name, [...users, user]);
    },
    deleteMessage: (channel, ts) => {
      if (!workspace.deleteMessage(conversationIdOrThrow(channel), ts)) throw new Error(`fake Slack: no message ${ts} in ${channel}`);
    },
    lockThread: (channel, parentTs) => {
      workspace.lockedThreads.add(`${conversationIdOrThrow(channel)}/${parentTs}`);
    },
    closeEditWindow: (channel, ts) => {
      const message = workspace.findMessage(conversationIdOrThrow(channel), ts);
      if (!message) throw new Error(`fake Slack: no message ${ts} in ${channel}`);
      message.editWindowClosed = true;
    },
    addUsergroup: (id, members) => {
      workspace.usergroups.set(id, [...members]);
    },
    messages: (channel) => workspace.messages.get(conversationIdOrThrow(channel)) ?? [],
    message: (channel, ts) => workspace.findMessage(conversationIdOrThrow(channel), ts),
    thread: (channel, parentTs) => workspace.repliesOf(conversationIdOrThrow(channel), parentTs),
    reset: () => {
      requests.length = 0;
      faults = [];
      lastPostAt.clear();
      methodCalls.clear();
      tokenError = null;
    },
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        closed = true;
        for (const entry of [...waits]) {
          clearTimeout(entry.timer);
          entry.resolve();
        }
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}

function rateLimited(retryAfter: number): Answer {
  const body = { ok: false, error: 'ratelimited' };
  return {
    status: 429,
    headers: { 'content-type': JSON_TYPE, 'retry-after': String(retryAfter) },
    body: JSON.stringify(body),
    recorded: body,
  };
}

function outagePage(status: number): Answer {
  const html = `<!DOCTYPE html><html><head><title>Slack is having trouble</title></head><body><h1>Server Error</h1><p>Slack answered HTTP ${status}.</p></body></html>`;
  return { status, headers: { 'content-type': 'text/html; charset=utf-8' }, body: html, recorded: html };
}

function bearerToken(headers: IncomingHttpHeaders): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? '');
  return match?.[1];
}

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of req) chunks.push(chunk as Buffer);
  } catch {
    return undefined;
  }
  return Buffer.concat(chunks).toString('utf8');
}

type ParsedParams = { ok: true; params: Params } | { ok: false; error: string; params: Params };

/**
 * Query string plus body, as Slack reads them: form-encoded (what WebClient sends) or JSON. The
 * JSON-valued fields are parsed; one that does not parse stays a string so the method can call it
 * invalid (`invalid_blocks_format`) exactly as Slack would.
 */
function parseParams(query: URLSearchParams, contentType: string | undefined, raw: string): ParsedParams {
  const params: Params = Object.fromEntries(query);
  if (/^application\/json\b/i.test(contentType ?? '')) {
    let json: unknown;
    try {
      json = raw === '' ? {} : JSON.parse(raw);
    } catch {
      return { ok: false, error: 'invalid_json', params };
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      return { ok: false, error: 'invalid_json', params };
    }
    Object.assign(params, json);
  } else {
    Object.assign(params, Object.fromEntries(new URLSearchParams(raw)));
  }
  for (const field of JSON_FIELDS) {
    const value = params[field];
    if (typeof value !== 'string') continue;
    try {
      params[field] = JSON.parse(value);
    } catch {
      // left as the raw string: the method answers invalid_blocks_format / invalid_attachments
    }
  }
  return { ok: true, params };
}
