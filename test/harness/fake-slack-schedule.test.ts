import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebAPIPlatformError, WebClient } from '@slack/web-api';
import { DEFAULT_SCOPES, startFakeSlack, type FakeSlack } from '../support/fake-slack.js';
import { silentLogger } from '../support/silent-logger.js';

const TOKEN = 'xoxb-test-token';
const NOW = new Date('2026-03-13T18:00:00Z');
const seconds = (iso: string) => Math.floor(new Date(iso).getTime() / 1000);

let fake: FakeSlack;
let slack: WebClient;

beforeEach(async () => {
  fake = await startFakeSlack({
    token: TOKEN,
    scopes: [...DEFAULT_SCOPES, 'channels:history'],
    channels: [{ id: 'C0PAYMENTS1', name: 'payments' }],
  });
  fake.setClock(NOW);
  slack = new WebClient(TOKEN, { slackApiUrl: fake.url, retryConfig: { retries: 0 }, logger: silentLogger });
});
afterEach(() => fake.close());

async function errorOf(call: Promise<unknown>): Promise<string> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WebAPIPlatformError);
  return (error as WebAPIPlatformError).data.error;
}

describe('fake Slack: scheduled messages', () => {
  it('schedules, lists, posts at post_at (then history has it and the list not), like Slack', async () => {
    const postAt = seconds('2026-03-16T08:00:00Z');
    const scheduled = await slack.chat.scheduleMessage({ channel: '#payments', text: 'hello', post_at: postAt });
    expect(scheduled).toMatchObject({
      ok: true,
      channel: 'C0PAYMENTS1',
      post_at: postAt,
      scheduled_message_id: expect.stringMatching(/^Q/),
    });
    const listed = await slack.chat.scheduledMessages.list({ channel: 'C0PAYMENTS1' });
    expect(listed.scheduled_messages).toEqual([
      {
        id: scheduled.scheduled_message_id,
        channel_id: 'C0PAYMENTS1',
        post_at: postAt,
        date_created: seconds(NOW.toISOString()),
        text: 'hello',
      },
    ]);
    expect(fake.deliverScheduled(new Date('2026-03-16T07:59:59Z'))).toEqual([]);
    const posted = fake.deliverScheduled(new Date('2026-03-16T08:00:00Z'));
    expect(posted).toHaveLength(1);
    expect((await slack.chat.scheduledMessages.list({ channel: 'C0PAYMENTS1' })).scheduled_messages).toEqual([]);
    const history = await slack.conversations.history({
      channel: 'C0PAYMENTS1',
      oldest: String(postAt - 60),
      latest: String(postAt + 600),
    });
    expect(history.messages?.map((m) => [m.ts, m.text])).toEqual([[posted[0]?.ts, 'hello']]);
  });

  it('refuses a time in the past and more than 120 days ahead', async () => {
    expect(await errorOf(slack.chat.scheduleMessage({ channel: 'C0PAYMENTS1', text: 'x', post_at: seconds('2026-03-13T17:00:00Z') }))).toBe(
      'time_in_past',
    );
    expect(await errorOf(slack.chat.scheduleMessage({ channel: 'C0PAYMENTS1', text: 'x', post_at: seconds('2026-07-12T18:00:01Z') }))).toBe(
      'time_too_far',
    );
    expect(await errorOf(slack.chat.scheduleMessage({ channel: 'C0NOSUCHCHN', text: 'x', post_at: seconds('2026-03-14T00:00:00Z') }))).toBe(
      'channel_not_found',
    );
  });

  it('deletes a pending one; a sent, deleted or unknown id is invalid_scheduled_message_id', async () => {
    const a = await slack.chat.scheduleMessage({ channel: 'C0PAYMENTS1', text: 'a', post_at: seconds('2026-03-16T08:00:00Z') });
    expect((await slack.chat.deleteScheduledMessage({ channel: 'C0PAYMENTS1', scheduled_message_id: a.scheduled_message_id! })).ok).toBe(
      true,
    );
    expect(
      await errorOf(slack.chat.deleteScheduledMessage({ channel: 'C0PAYMENTS1', scheduled_message_id: a.scheduled_message_id! })),
    ).toBe('invalid_scheduled_message_id');
    const b = await slack.chat.scheduleMessage({ channel: 'C0PAYMENTS1', text: 'b', post_at: seconds('2026-03-14T08:00:00Z') });
    fake.deliverScheduled(new Date('2026-03-14T09:00:00Z'));
    expect(
      await errorOf(slack.chat.deleteScheduledMessage({ channel: 'C0PAYMENTS1', scheduled_message_id: b.scheduled_message_id! })),
    ).toBe('invalid_scheduled_message_id');
    expect(await errorOf(slack.chat.deleteScheduledMessage({ channel: 'C0PAYMENTS1', scheduled_message_id: 'Q999' }))).toBe(
      'invalid_scheduled_message_id',
    );
  });

  it('conversations.history needs channels:history', async () => {
    fake.setScopes(DEFAULT_SCOPES);
    expect(await errorOf(slack.conversations.history({ channel: 'C0PAYMENTS1' }))).toBe('missing_scope');
  });
});
