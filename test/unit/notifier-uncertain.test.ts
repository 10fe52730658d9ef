import { WebAPIRateLimitedError, WebAPIRequestError, type WebClient } from '@slack/web-api';
import { describe, expect, it } from 'vitest';
import { silentLog } from '../../src/log.js';
import { deliverAll, type DeliverOptions } from '../../src/slack/deliver/notifier.js';

type Answer = (channel: string, attempt: number) => unknown;

/** A WebClient stand-in: records the order of posts; `answer` returns a response or throws. */
function recordingClient(answer: Answer) {
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
const message = () => ({ text: 'hi', blocks: [] });
const items = (...channels: string[]) => channels.map((channel) => ({ key: channel, channel, message }));

function options(client: WebClient, extra: Partial<DeliverOptions<string>> = {}): DeliverOptions<string> {
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

describe('deliverAll: lost answers, lane failures, the redactor (from gate-run)', () => {
  it('puts a message that waited out its Retry-After ahead of the lanes queued meanwhile', async () => {
    const { client, calls } = recordingClient((channel, attempt) => {
      if (channel === 'C0A' && attempt === 1) throw new WebAPIRateLimitedError(0);
      return ok(channel);
    });
    const report = await deliverAll(items('C0A', 'C0B', 'C0C', 'C0D'), options(client));
    // Without the priority the retry would go last: C0A, C0B, C0C, C0D, C0A.
    expect(calls).toEqual(['C0A', 'C0B', 'C0A', 'C0C', 'C0D']);
    expect([...report.results.values()].every((d) => d.ok)).toBe(true);
  });

  it('a post whose answer was lost (timeout) is not posted again: one call, an uncertain failure', async () => {
    const { client, calls } = recordingClient((channel) => {
      if (channel === 'C0A') throw timeout();
      return ok(channel);
    });
    const report = await deliverAll(items('C0A', 'C0B'), options(client, { retries: 5 }));
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
    const report = await deliverAll(items('C0A'), { ...options(client, { retries: 1 }) });
    expect(calls).toEqual(['C0A', 'C0A']);
    expect(report.results.get('C0A')).toEqual({ ok: false, reason: 'could not reach Slack (ECONNREFUSED) (after 1 retries)' });
  });

  it('a failure in one lane loses no other lane’s accepted post: every in-flight record completes, the failed ones are named', async () => {
    const { client } = recordingClient((channel) => ok(channel));
    const recorded: string[] = [];
    const report = await deliverAll(
      items('C0A', 'C0B', 'C0C', 'C0D'),
      options(client, {
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
        ...items('C0B', 'C0C'),
      ],
      options(client, {
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
    const report = await deliverAll([{ key: 'C0A', channel: 'C0A', message: secretMessage }, ...items('C0B')], options(client, { redact }));
    expect(JSON.stringify(posted)).not.toMatch(/s3cret-pw|p&amp;ss&lt;word/);
    expect(JSON.stringify(posted)).toContain('consumer [REDACTED]');
    expect(report.results.get('C0B')).toMatchObject({ ok: false, reason: expect.stringContaining('Bearer [REDACTED]') });
  });
});
