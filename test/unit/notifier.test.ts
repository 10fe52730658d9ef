import { WebAPIRateLimitedError, type WebClient } from '@slack/web-api';
import { describe, expect, it } from 'vitest';
import { silentLog } from '../../src/log.js';
import { deliverAll } from '../../src/slack/deliver/notifier.js';

/** A WebClient stand-in that records the order of posts and rate-limits the first post into `limited`. */
function recordingClient(limited: string) {
  const calls: string[] = [];
  let throttled = false;
  const client = {
    chat: {
      postMessage: async ({ channel }: { channel: string }) => {
        calls.push(channel);
        if (channel === limited && !throttled) {
          throttled = true;
          throw new WebAPIRateLimitedError(0);
        }
        return { ok: true, channel, ts: `1700000000.00000${calls.length}` };
      },
    },
  } as unknown as WebClient;
  return { client, calls };
}

const message = () => ({ text: 'hi', blocks: [] });

describe('deliverAll', () => {
  it('puts a message that waited out its Retry-After ahead of the lanes queued meanwhile', async () => {
    const { client, calls } = recordingClient('C0A');
    const report = await deliverAll(
      ['C0A', 'C0B', 'C0C', 'C0D'].map((channel) => ({ key: channel, channel, message })),
      { client, concurrency: 1, perChannelIntervalMs: 0, maxRetryAfterSeconds: 5, signal: new AbortController().signal, log: silentLog },
    );
    // Without the priority the retry would go last: C0A, C0B, C0C, C0D, C0A.
    expect(calls).toEqual(['C0A', 'C0B', 'C0A', 'C0C', 'C0D']);
    expect([...report.results.values()].every((d) => d.ok)).toBe(true);
  });
});
