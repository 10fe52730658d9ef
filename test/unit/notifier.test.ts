import { WebAPIPlatformError, WebAPIRateLimitedError, WebAPIRequestError, type WebClient } from '@slack/web-api';
import { describe, expect, it } from 'vitest';
import { silentLog } from '../../src/log.js';
import { deliverAll, type DeliverOptions, type Outbound } from '../../src/slack/deliver/notifier.js';
import { VirtualClock } from '../support/virtual-clock.js';

/** What the fake Slack does with one post: answer ok, or throw this error. */
type Answer = 'ok' | Error;

/**
 * A WebClient stand-in: records each post (channel and virtual instant), answers after
 * `latencyMs` of virtual time, and asks `answer` what to say to the n-th post into a channel.
 */
function fakeClient(clock: VirtualClock, answer: (channel: string, attempt: number) => Answer = () => 'ok', latencyMs = 0) {
  const posts: Array<{ channel: string; at: number }> = [];
  const joins: string[] = [];
  const attempts = new Map<string, number>();
  let inFlight = 0;
  let maxInFlight = 0;
  const never = new AbortController().signal;
  const client = {
    chat: {
      postMessage: async ({ channel }: { channel: string }) => {
        posts.push({ channel, at: clock.now() });
        const attempt = (attempts.get(channel) ?? 0) + 1;
        attempts.set(channel, attempt);
        inFlight += 1;
        maxInFlight = Math.max(maxInFlight, inFlight);
        try {
          await clock.sleep(latencyMs, never);
          const reply = answer(channel, attempt);
          if (reply !== 'ok') throw reply;
          return { ok: true, channel, ts: `1700000000.${String(posts.length).padStart(6, '0')}` };
        } finally {
          inFlight -= 1;
        }
      },
    },
    conversations: {
      join: ({ channel }: { channel: string }) => {
        joins.push(channel);
        return Promise.resolve({ ok: true });
      },
    },
  } as unknown as WebClient;
  return { client, posts, joins, maxInFlight: () => maxInFlight };
}

const message = () => ({ text: 'hi', blocks: [] });
const items = (...channels: string[]): Outbound<string>[] => channels.map((channel, i) => ({ key: `${channel}#${i}`, channel, message }));
const platformError = (error: string) => new WebAPIPlatformError({ ok: false, error });

function options(clock: VirtualClock, client: WebClient, overrides: Partial<DeliverOptions<string>> = {}): DeliverOptions<string> {
  return {
    clients: { post: client, read: client },
    retries: 0,
    redact: (text) => text,
    concurrency: 4,
    perChannelIntervalMs: 1_000,
    maxRetryAfterSeconds: 30,
    signal: new AbortController().signal,
    log: silentLog,
    clock,
    ...overrides,
  };
}

const reasons = (report: { results: Map<string, { ok: boolean; reason?: string }> }) =>
  Object.fromEntries([...report.results].map(([key, d]) => [key, d.ok ? 'ok' : (d as { reason: string }).reason]));

describe('deliverAll: pacing', () => {
  it('spaces posts into one channel by perChannelIntervalMs, counted from the end of the previous post', async () => {
    const clock = new VirtualClock();
    const slack = fakeClient(clock, () => 'ok', 200);
    const report = await clock.run(deliverAll(items('C0A', 'C0A', 'C0A'), options(clock, slack.client)));
    expect(slack.posts.map((p) => p.at)).toEqual([0, 1_200, 2_400]);
    expect(Object.values(reasons(report))).toEqual(['ok', 'ok', 'ok']);
  });

  it("a pace shared by two deliveries keeps the interval across them (a sweep's waves into one channel)", async () => {
    const clock = new VirtualClock();
    const slack = fakeClient(clock, () => 'ok', 200);
    const pace = new Map<string, number>();
    await clock.run(deliverAll(items('C0A', 'C0B'), options(clock, slack.client, { pace })));
    await clock.run(deliverAll(items('C0A', 'C0C'), options(clock, slack.client, { pace })));
    // C0A's second post waits its interval from the first delivery's post; C0C, new, posts at once.
    expect(slack.posts).toEqual([
      { channel: 'C0A', at: 0 },
      { channel: 'C0B', at: 0 },
      { channel: 'C0C', at: 200 },
      { channel: 'C0A', at: 1_200 },
    ]);
  });

  it('posts into different channels at once, never more than `concurrency` in flight', async () => {
    const clock = new VirtualClock();
    const slack = fakeClient(clock, () => 'ok', 500);
    await clock.run(deliverAll(items('C01', 'C02', 'C03', 'C04', 'C05'), options(clock, slack.client, { concurrency: 2 })));
    expect(slack.maxInFlight()).toBe(2);
    expect(slack.posts.map((p) => p.at)).toEqual([0, 0, 500, 500, 1_000]);
  });

  it('a lane waiting for its channel frees its slot: another channel posts meanwhile', async () => {
    const clock = new VirtualClock();
    const slack = fakeClient(clock);
    await clock.run(deliverAll(items('C0A', 'C0A', 'C0B'), options(clock, slack.client, { concurrency: 1 })));
    expect(slack.posts).toEqual([
      { channel: 'C0A', at: 0 },
      { channel: 'C0B', at: 0 },
      { channel: 'C0A', at: 1_000 },
    ]);
  });

  it('reports progress once per settled message', async () => {
    const clock = new VirtualClock();
    const slack = fakeClient(clock);
    const progress: string[] = [];
    await clock.run(
      deliverAll(items('C0A', 'C0B'), options(clock, slack.client, { onProgress: (n, total) => progress.push(`${n}/${total}`) })),
    );
    expect(progress).toEqual(['1/2', '2/2']);
  });
});

describe('deliverAll: Retry-After', () => {
  it('waits out the Retry-After for that channel only, then posts again', async () => {
    const clock = new VirtualClock();
    const slack = fakeClient(clock, (channel, attempt) => (channel === 'C0A' && attempt === 1 ? new WebAPIRateLimitedError(3) : 'ok'));
    const report = await clock.run(deliverAll(items('C0A', 'C0B'), options(clock, slack.client)));
    expect(slack.posts).toEqual([
      { channel: 'C0A', at: 0 },
      { channel: 'C0B', at: 0 },
      { channel: 'C0A', at: 3_000 },
    ]);
    expect(Object.values(reasons(report))).toEqual(['ok', 'ok']);
  });

  it('puts a message that waited out its Retry-After ahead of the lanes queued meanwhile', async () => {
    const clock = new VirtualClock();
    const slack = fakeClient(clock, (channel, attempt) => (channel === 'C0A' && attempt === 1 ? new WebAPIRateLimitedError(0) : 'ok'));
    const report = await clock.run(
      deliverAll(items('C0A', 'C0B', 'C0C', 'C0D'), options(clock, slack.client, { concurrency: 1, perChannelIntervalMs: 0 })),
    );
    // Without the priority the retry would go last: C0A, C0B, C0C, C0D, C0A.
    expect(slack.posts.map((p) => p.channel)).toEqual(['C0A', 'C0B', 'C0A', 'C0C', 'C0D']);
    expect(Object.values(reasons(report))).toEqual(['ok', 'ok', 'ok', 'ok']);
  });

  it('gives up at once on a Retry-After longer than maxRetryAfterSeconds, without waiting', async () => {
    const clock = new VirtualClock();
    const slack = fakeClient(clock, () => new WebAPIRateLimitedError(120));
    const report = await clock.run(deliverAll(items('C0A'), options(clock, slack.client, { maxRetryAfterSeconds: 60 })));
    expect(reasons(report)).toEqual({ 'C0A#0': 'ratelimited (Slack asked to wait 120s; gave up)' });
    expect(slack.posts).toHaveLength(1);
    expect(clock.elapsed).toBe(0);
  });

  it('gives up after five rate-limited retries of one message', async () => {
    const clock = new VirtualClock();
    const slack = fakeClient(clock, () => new WebAPIRateLimitedError(1));
    const report = await clock.run(deliverAll(items('C0A'), options(clock, slack.client)));
    expect(slack.posts).toHaveLength(6);
    expect(reasons(report)).toEqual({ 'C0A#0': 'ratelimited (Slack asked to wait 1s; gave up)' });
  });
});

describe('deliverAll: fatal errors stop the run', () => {
  it('stops posting once the credentials cannot post: the rest are not sent, and the report says why', async () => {
    const clock = new VirtualClock();
    const slack = fakeClient(clock, () => platformError('token_revoked'));
    const report = await clock.run(deliverAll(items('C01', 'C02', 'C03'), options(clock, slack.client, { concurrency: 1 })));
    expect(slack.posts).toHaveLength(1);
    expect(report.fatal?.code).toBe('token_revoked');
    expect(reasons(report)).toEqual({
      'C01#0': 'token_revoked',
      'C02#1': 'not sent: run aborted (token_revoked)',
      'C03#2': 'not sent: run aborted (token_revoked)',
    });
  });

  it('a failure of one message (channel_not_found) does not stop the others', async () => {
    const clock = new VirtualClock();
    const slack = fakeClient(clock, (channel) => (channel === 'C01' ? platformError('channel_not_found') : 'ok'));
    const report = await clock.run(deliverAll(items('C01', 'C02'), options(clock, slack.client)));
    expect(report.fatal).toBeUndefined();
    expect(reasons(report)).toEqual({ 'C01#0': 'channel_not_found', 'C02#1': 'ok' });
  });

  it('joins a channel it is not in once, then posts; says how to invite it when that fails again', async () => {
    const clock = new VirtualClock();
    const slack = fakeClient(clock, (channel, attempt) =>
      channel === 'C01' && attempt === 1 ? platformError('not_in_channel') : channel === 'C02' ? platformError('not_in_channel') : 'ok',
    );
    const report = await clock.run(deliverAll(items('C01', 'C02'), options(clock, slack.client)));
    expect(slack.joins).toEqual(['C01', 'C02']);
    expect(reasons(report)).toEqual({ 'C01#0': 'ok', 'C02#1': 'not_in_channel (invite the bot to C02 with /invite)' });
  });
});

describe('deliverAll: abort', () => {
  it('after a signal nothing new is posted; what was in flight is settled and the rest say "interrupted"', async () => {
    const clock = new VirtualClock();
    const controller = new AbortController();
    const slack = fakeClient(clock);
    const report = await clock.run(
      deliverAll(
        items('C0A', 'C0A', 'C0B'),
        options(clock, slack.client, { concurrency: 1, signal: controller.signal, onDelivered: () => Promise.resolve(controller.abort()) }),
      ),
    );
    expect(slack.posts).toEqual([{ channel: 'C0A', at: 0 }]);
    expect(report.interrupted).toBe(true);
    expect(reasons(report)).toEqual({ 'C0A#0': 'ok', 'C0A#1': 'not sent: interrupted', 'C0B#2': 'not sent: interrupted' });
  });

  it("a signal cuts a lane's pacing wait short instead of waiting it out", async () => {
    const clock = new VirtualClock();
    const controller = new AbortController();
    const slack = fakeClient(clock);
    // The signal arrives while the lane waits its 60 s for the channel's next post.
    const abortingClock = {
      now: clock.now,
      sleep: (ms: number, signal: AbortSignal) => {
        const wait = clock.sleep(ms, signal);
        if (ms > 0) queueMicrotask(() => controller.abort());
        return wait;
      },
    };
    const report = await clock.run(
      deliverAll(
        items('C0A', 'C0A'),
        options(clock, slack.client, { perChannelIntervalMs: 60_000, signal: controller.signal, clock: abortingClock }),
      ),
    );
    expect(reasons(report)).toEqual({ 'C0A#0': 'ok', 'C0A#1': 'not sent: interrupted' });
    expect(clock.elapsed).toBe(0);
  });
});

describe('deliverAll: recording a delivered message', () => {
  it('records each accepted message before its channel posts again', async () => {
    const clock = new VirtualClock();
    const slack = fakeClient(clock);
    const order: string[] = [];
    const spy = slack.client.chat.postMessage.bind(slack.client.chat);
    (slack.client.chat as { postMessage: unknown }).postMessage = async (args: { channel: string }) => {
      order.push(`post ${args.channel}`);
      return spy(args as Parameters<typeof spy>[0]);
    };
    await clock.run(
      deliverAll(
        items('C0A', 'C0A'),
        options(clock, slack.client, { onDelivered: (item) => Promise.resolve(void order.push(`record ${item.key}`)) }),
      ),
    );
    expect(order).toEqual(['post C0A', 'record C0A#0', 'post C0A', 'record C0A#1']);
  });

  it('a record that fails stops all posting; once the posts in flight settle, the report names the unrecorded ones', async () => {
    const clock = new VirtualClock();
    const slack = fakeClient(clock, () => 'ok', 100);
    const failure = new Error('the database went away');
    const recorded: string[] = [];
    const report = await clock.run(
      deliverAll(
        items('C01', 'C02', 'C03', 'C04'),
        options(clock, slack.client, {
          concurrency: 2,
          onDelivered: (item) => {
            if (item.channel === 'C01') return Promise.reject(failure);
            recorded.push(item.key);
            return Promise.resolve();
          },
        }),
      ),
    );
    // C01 and C02 were in flight together; nothing was posted after C01's record failed.
    expect(slack.posts.map((p) => p.channel)).toEqual(['C01', 'C02']);
    expect(recorded).toEqual(['C02#1']);
    expect(report.unrecorded).toEqual({ keys: ['C01#0'], error: failure });
    expect(reasons(report)['C03#2']).toBe('not sent: run aborted (could not record a delivered nudge)');
  });
});

type PlainAnswer = (channel: string, attempt: number) => unknown;

/** A WebClient stand-in: records the order of posts; `answer` returns a response or throws. */
function recordingClient(answer: PlainAnswer) {
  const calls: string[] = [];
  const client = {
    chat: {
      // A throw inside the executor rejects the promise, as WebClient's call would.
      postMessage: ({ channel }: { channel: string }) =>
        new Promise((resolve) => {
          calls.push(channel);
          resolve(answer(channel, calls.filter((c) => c === channel).length));
        }),
    },
  } as unknown as WebClient;
  return { client, calls };
}

const ok = (channel: string) => ({ ok: true, channel, ts: '1700000000.000001' });
const plainItems = (...channels: string[]) => channels.map((channel) => ({ key: channel, channel, message }));

function plainOptions(client: WebClient, extra: Partial<DeliverOptions<string>> = {}): DeliverOptions<string> {
  return {
    clients: { post: client, read: client },
    retries: 2,
    concurrency: 1,
    perChannelIntervalMs: 0,
    maxRetryAfterSeconds: 5,
    signal: new AbortController().signal,
    log: silentLog,
    redact: (text) => text,
    ...extra,
  };
}

/** What WebClient throws when the answer to a request never arrived in time. */
const timeout = () => {
  const original = new Error('The operation was aborted due to timeout');
  original.name = 'TimeoutError';
  return new WebAPIRequestError(original);
};

describe('deliverAll: lost answers, lanes and redaction', () => {
  it('a post whose answer was lost (timeout) is not posted again: one call, an uncertain failure', async () => {
    const { client, calls } = recordingClient((channel) => {
      if (channel === 'C0A') throw timeout();
      return ok(channel);
    });
    const report = await deliverAll(plainItems('C0A', 'C0B'), plainOptions(client, { retries: 5 }));
    expect(calls).toEqual(['C0A', 'C0B']);
    expect(report.results.get('C0A')).toEqual({
      ok: false,
      uncertain: true,
      reason: expect.stringMatching(/timeout.*may have been posted/),
    });
    expect(report.results.get('C0B')).toMatchObject({ ok: true });
  });

  it('a post Slack provably did not receive (connection refused) is retried slack.retries times', async () => {
    const refused = () => new WebAPIRequestError(Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } }));
    const { client, calls } = recordingClient(() => {
      throw refused();
    });
    const report = await deliverAll(plainItems('C0A'), { ...plainOptions(client, { retries: 1 }) });
    expect(calls).toEqual(['C0A', 'C0A']);
    expect(report.results.get('C0A')).toEqual({ ok: false, reason: 'could not reach Slack (ECONNREFUSED) (after 1 retries)' });
  });

  it('a failure in one lane loses no other lane’s accepted post: every in-flight record completes, the failed ones are named', async () => {
    const { client } = recordingClient((channel) => ok(channel));
    const recorded: string[] = [];
    const report = await deliverAll(
      plainItems('C0A', 'C0B', 'C0C', 'C0D'),
      plainOptions(client, {
        concurrency: 3,
        onDelivered: async (item) => {
          // C0A's record fails at once; C0B's and C0C's, in flight meanwhile, commit later.
          if (item.key === 'C0A') throw new Error('connection lost');
          await new Promise((resolve) => setTimeout(resolve, 20));
          recorded.push(item.key);
        },
      }),
    );
    expect(recorded.sort()).toEqual(['C0B', 'C0C']);
    expect(report.unrecorded).toMatchObject({ keys: ['C0A'], error: expect.objectContaining({ message: 'connection lost' }) });
    expect(report.results.get('C0D')).toEqual({ ok: false, reason: 'not sent: run aborted (could not record a delivered nudge)' });
  });

  it('a bug in one lane stops new posts but waits for the other lanes’ records before it surfaces', async () => {
    const { client } = recordingClient((channel) => ok(channel));
    const recorded: string[] = [];
    const bug = new Error('a bug while rendering');
    const run = deliverAll(
      [
        {
          key: 'C0A',
          channel: 'C0A',
          message: () => {
            throw bug;
          },
        },
        ...plainItems('C0B', 'C0C'),
      ],
      plainOptions(client, {
        concurrency: 3,
        onDelivered: async (item) => {
          await new Promise((resolve) => setTimeout(resolve, 20));
          recorded.push(item.key);
        },
      }),
    );
    await expect(run).rejects.toBe(bug);
    expect(recorded.sort()).toEqual(['C0B', 'C0C']);
  });

  it('is the one door to Slack: every string of a message and every failure reason passes the run’s redactor', async () => {
    const posted: unknown[] = [];
    const client = {
      chat: {
        postMessage: (args: { channel: string }) => {
          posted.push(args);
          if (args.channel === 'C0B') return Promise.reject(new WebAPIRequestError(new Error('proxy said: Bearer s3cret-pw')));
          return Promise.resolve(ok(args.channel));
        },
      },
    } as unknown as WebClient;
    const { createRedactor } = await import('../../src/redact.js');
    const redact = createRedactor(['s3cret-pw', 'p&ss<word']);
    const secretMessage = () => ({
      text: 'db at postgres://u:s3cret-pw@h/db',
      blocks: [{ type: 'section' as const, text: { type: 'mrkdwn' as const, text: 'consumer p&amp;ss&lt;word' } }],
    });
    const report = await deliverAll(
      [{ key: 'C0A', channel: 'C0A', message: secretMessage }, ...plainItems('C0B')],
      plainOptions(client, { redact }),
    );
    expect(JSON.stringify(posted)).not.toMatch(/s3cret-pw|p&amp;ss&lt;word/);
    expect(JSON.stringify(posted)).toContain('consumer [REDACTED]');
    expect(report.results.get('C0B')).toMatchObject({ ok: false, reason: expect.stringContaining('Bearer [REDACTED]') });
  });
});
