import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LogLevel, WebClient } from '@slack/web-api';
import { silentLog } from '../../src/log.js';
import { featuresFrom, readThread } from '../../src/slack/deliver/harvest.js';
import { createSlackReader } from '../../src/slack/deliver/reader.js';
import { DEFAULT_SCOPES, startFakeSlack, type FakeSlack } from '../support/fake-slack.js';

const SCOPES = [...DEFAULT_SCOPES, 'channels:history', 'reactions:read'];
const CHANNEL = 'C0PAYMENTS1';
let fake: FakeSlack;
let client: WebClient;

beforeEach(async () => {
  fake = await startFakeSlack({
    scopes: SCOPES,
    channels: [{ id: CHANNEL, name: 'team-payments' }],
    users: [{ id: 'U0ANA00001', email: 'ana@example.com' }],
    methodLimits: { 'conversations.history': 1 },
    rateWindowMs: 1_000,
  });
  client = new WebClient(fake.token, {
    slackApiUrl: fake.url,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    logLevel: LogLevel.ERROR,
  });
});
afterEach(async () => {
  await fake.close();
});

async function parentWithReply() {
  const parent = String((await client.chat.postMessage({ channel: CHANNEL, text: 'status' })).ts);
  const own = String((await client.chat.postMessage({ channel: CHANNEL, text: 'nudge', thread_ts: parent })).ts);
  return { channel: CHANNEL, parentTs: parent, replyCursor: own, seenReplyCount: 1, seenLatestReply: own, latestOwnReplyTs: own };
}

describe('the harvest reader', () => {
  it('a quiet thread costs history + reactions.get; news adds conversations.replies from the cursor', async () => {
    const thread = await parentWithReply();
    fake.reset();
    const reader = createSlackReader({ client, maxRetryAfterSeconds: 5, signal: new AbortController().signal, log: silentLog });
    const quiet = await readThread(reader, thread, featuresFrom(SCOPES));
    expect(quiet.kind).toBe('read');
    expect(fake.requests.map((r) => r.method)).toEqual(['conversations.history', 'reactions.get']);

    fake.reply(CHANNEL, thread.parentTs, 'U0ANA00001', 'done');
    const news = await readThread(reader, thread, featuresFrom(SCOPES)); // history's 1-a-second budget: one 429, waited out
    const answered = fake.requests.filter((r) => r.status === 200).map((r) => r.method);
    expect(answered.slice(2)).toEqual(['conversations.history', 'conversations.replies', 'reactions.get']);
    expect(news.kind === 'read' && news.messages.map((m) => m.text)).toEqual(['status', 'done', 'nudge']);
    expect(fake.calls('conversations.replies')[0]?.params['oldest']).toBe(thread.replyCursor);
  });

  it('a 429 pauses that method for its Retry-After, then the read goes through; past the deadline the method is spent', async () => {
    const thread = await parentWithReply();
    fake.reset();
    const reader = createSlackReader({ client, maxRetryAfterSeconds: 5, signal: new AbortController().signal, log: silentLog });
    await readThread(reader, thread, featuresFrom(SCOPES));
    const second = await readThread(reader, thread, featuresFrom(SCOPES));
    expect(second.kind).toBe('read');
    expect(fake.calls('conversations.history').map((r) => r.status)).toEqual([200, 429, 200]);

    const hurried = createSlackReader({
      client,
      maxRetryAfterSeconds: 5,
      deadlineAt: Date.now() + 100,
      signal: new AbortController().signal,
      log: silentLog,
    });
    await readThread(hurried, thread, featuresFrom(SCOPES)); // may or may not fit the window
    const late = await readThread(hurried, thread, featuresFrom(SCOPES));
    expect(late).toMatchObject({ kind: 'unreadable' });
    expect(hurried.spent.has('conversations.history')).toBe(true);
  });
});
