import { WebAPIPlatformError, WebAPIRateLimitedError, type WebClient } from '@slack/web-api';
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
    retries: 2,
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
    await clock.run(deliverAll(items('C0A', 'C0B'), options(clock, slack.client, { onProgress: (n, total) => progress.push(`${n}/${total}`) })));
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
    await clock.run(deliverAll(items('C0A', 'C0B', 'C0C', 'C0D'), options(clock, slack.client, { concurrency: 1, perChannelIntervalMs: 0 })));
    // Without the priority the retry would go last: C0A, C0B, C0C, C0D, C0A.
    expect(slack.posts.map((p) => p.channel)).toEqual(['C0A', 'C0B', 'C0A', 'C0C', 'C0D']);
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
    const slack = fakeClient(clock, (channel, attempt) => (channel === 'C01' && attempt === 1 ? platformError('not_in_channel') : channel === 'C02' ? platformError('not_in_channel') : 'ok'));
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

  it('a signal cuts a lane\'s pacing wait short instead of waiting it out', async () => {
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
      deliverAll(items('C0A', 'C0A'), options(clock, slack.client, { perChannelIntervalMs: 60_000, signal: controller.signal, clock: abortingClock })),
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
      deliverAll(items('C0A', 'C0A'), options(clock, slack.client, { onDelivered: (item) => Promise.resolve(void order.push(`record ${item.key}`)) })),
    );
    expect(order).toEqual(['post C0A', 'record C0A#0', 'post C0A', 'record C0A#1']);
  });

  // A failed record: gate-run's notifier reports it as report.unrecorded (notifier-uncertain.test.ts).
});
