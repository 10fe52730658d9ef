import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  WebAPIHTTPError,
  WebAPIPlatformError,
  WebAPIRateLimitedError,
  WebAPIRequestError,
  WebClient,
  type WebClientOptions,
} from '@slack/web-api';
import { DEFAULT_SCOPES, startFakeSlack, type FakeSlack } from '../support/fake-slack.js';
import { silentLogger } from '../support/silent-logger.js';

const TOKEN = 'xoxb-test-token';

let fake: FakeSlack;

/** `token: null` sends no token at all. */
function client(options: WebClientOptions = {}, token: string | null = TOKEN): WebClient {
  return new WebClient(token ?? undefined, { slackApiUrl: fake.url, retryConfig: { retries: 0 }, logger: silentLogger, ...options });
}

/** The Slack error code a call was rejected with (fails the test if it was not a platform error). */
async function slackError(call: Promise<unknown>): Promise<WebAPIPlatformError['data']> {
  const error: unknown = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WebAPIPlatformError);
  return (error as WebAPIPlatformError).data;
}

const section = (text: string) => ({ type: 'section' as const, text: { type: 'mrkdwn' as const, text } });

beforeEach(async () => {
  fake = await startFakeSlack({
    channels: [
      { id: 'C0PAYMENTS1', name: 'team-payments' },
      { id: 'C0SEARCH001', name: 'team-search' },
      { id: 'C0NOTJOINED', name: 'not-joined', isMember: false },
      { id: 'G0PRIVATE01', name: 'private-ops', isPrivate: true, isMember: false },
      { id: 'C0ARCHIVED1', name: 'old-team', isArchived: true },
    ],
    users: [{ id: 'U0SECLEAD01', email: 'lead@example.com' }],
  });
});

afterEach(async () => {
  await fake.close();
});

describe('authentication', () => {
  it('auth.test answers the bot identity, and the granted scopes reach response_metadata.scopes', async () => {
    const result = await client().auth.test();
    expect(result).toMatchObject({ ok: true, team_id: 'T0FAKE0001', user_id: 'U0FAKEBOT1', bot_id: 'B0FAKEBOT1' });
    expect(result.response_metadata?.scopes).toEqual([...DEFAULT_SCOPES]);
  });

  it('answers not_authed without a token and invalid_auth for a wrong one', async () => {
    expect((await slackError(client({}, null).auth.test())).error).toBe('not_authed');
    expect(fake.requests[0]?.headers.authorization).toBeUndefined();
    expect((await slackError(client({}, 'xoxb-wrong').auth.test())).error).toBe('invalid_auth');
  });

  it('setTokenError makes every call answer that code until cleared', async () => {
    fake.setTokenError('token_revoked');
    expect((await slackError(client().auth.test())).error).toBe('token_revoked');
    expect((await slackError(client().chat.postMessage({ channel: 'C0PAYMENTS1', text: 'x' }))).error).toBe('token_revoked');
    fake.setTokenError(null);
    await expect(client().auth.test()).resolves.toMatchObject({ ok: true });
  });

  it('reports the scopes the token was started with', async () => {
    await fake.close();
    fake = await startFakeSlack({ scopes: ['chat:write'] });
    const result = await client().auth.test();
    expect(result.response_metadata?.scopes).toEqual(['chat:write']);
  });
});

describe('chat.postMessage', () => {
  it('posts by ID, by #name and by bare name, always answering the channel ID and a fresh ts', async () => {
    const slack = client();
    const results = [
      await slack.chat.postMessage({ channel: 'C0PAYMENTS1', text: 'by id' }),
      await slack.chat.postMessage({ channel: '#team-payments', text: 'by #name' }),
      await slack.chat.postMessage({ channel: 'team-payments', text: 'by name' }),
    ];
    expect(results.map((r) => r.channel)).toEqual(['C0PAYMENTS1', 'C0PAYMENTS1', 'C0PAYMENTS1']);
    for (const r of results) {
      expect(r.ts).toMatch(/^\d{10}\.\d{6}$/);
      expect(r.message).toMatchObject({ type: 'message', ts: r.ts });
    }
    expect(new Set(results.map((r) => r.ts)).size).toBe(3);
    expect(fake.posts().map((p) => [p.channel, p.channelId, p.text])).toEqual([
      ['C0PAYMENTS1', 'C0PAYMENTS1', 'by id'],
      ['#team-payments', 'C0PAYMENTS1', 'by #name'],
      ['team-payments', 'C0PAYMENTS1', 'by name'],
    ]);
  });

  it('posting to a user ID lands in the bot DM, the same one conversations.open gives', async () => {
    const slack = client();
    const posted = await slack.chat.postMessage({ channel: 'U0SECLEAD01', text: 'digest' });
    expect(posted.channel).toMatch(/^D[A-Z0-9]{8,}$/);
    const opened = await slack.conversations.open({ users: 'U0SECLEAD01' });
    expect(opened.channel?.id).toBe(posted.channel);
    expect(fake.dmWith('U0SECLEAD01')).toBe(posted.channel);
    expect((await slackError(slack.chat.postMessage({ channel: 'U0NOBODY01', text: 'x' }))).error).toBe('channel_not_found');
  });

  it.each([
    ['an unknown channel', 'C0UNKNOWN01', 'channel_not_found'],
    ['an unknown name', '#nope', 'channel_not_found'],
    ['an archived channel', 'C0ARCHIVED1', 'is_archived'],
    ['a private channel the bot is not in', 'G0PRIVATE01', 'not_in_channel'],
  ])('refuses %s with %s', async (_what, channel, code) => {
    expect((await slackError(client().chat.postMessage({ channel, text: 'hello' }))).error).toBe(code);
    expect(fake.posts()).toEqual([]);
  });

  it('posts into a public channel the bot has not joined only with chat:write.public', async () => {
    await expect(client().chat.postMessage({ channel: 'C0NOTJOINED', text: 'x' })).resolves.toMatchObject({ ok: true });
    fake.setScopes(DEFAULT_SCOPES.filter((s) => s !== 'chat:write.public'));
    expect((await slackError(client().chat.postMessage({ channel: 'C0NOTJOINED', text: 'x' }))).error).toBe('not_in_channel');
  });

  it('answers missing_scope naming the needed and provided scopes without chat:write', async () => {
    fake.setScopes(['channels:read']);
    const data = await slackError(client().chat.postMessage({ channel: 'C0PAYMENTS1', text: 'x' }));
    expect(data).toMatchObject({ error: 'missing_scope', needed: 'chat:write', provided: 'channels:read' });
  });

  it('answers no_text for a message without text or blocks', async () => {
    const call = client().apiCall('chat.postMessage', { channel: 'C0PAYMENTS1' });
    expect((await slackError(call)).error).toBe('no_text');
  });

  it('posts text over 40,000 characters with the message_truncated warning', async () => {
    const result = await client().chat.postMessage({ channel: 'C0PAYMENTS1', text: 'a'.repeat(40_001) });
    expect(result).toMatchObject({ ok: true, warning: 'message_truncated' });
    expect(result.message?.text).toHaveLength(40_000);
  });

  it('records decoded parameters: blocks parsed, booleans as Slack receives them, headers, order', async () => {
    const blocks = [section('*payments* &amp; &lt;friends&gt;'), { type: 'divider' as const }];
    await client().chat.postMessage({
      channel: 'C0PAYMENTS1',
      text: 'a & b',
      blocks,
      unfurl_links: false,
    });
    await client().auth.test();

    expect(fake.requests.map((r) => r.method)).toEqual(['chat.postMessage', 'auth.test']);
    const [post, auth] = fake.requests;
    expect(post?.params).toMatchObject({ channel: 'C0PAYMENTS1', text: 'a & b', blocks, unfurl_links: 'false' });
    expect(post?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(post?.status).toBe(200);
    expect(post?.response).toMatchObject({ ok: true, channel: 'C0PAYMENTS1' });
    expect(auth!.receivedAt).toBeGreaterThanOrEqual(post!.receivedAt);
    expect(fake.posts()[0]).toMatchObject({ blocks, text: 'a & b', ts: post?.delivered?.ts });
  });

  it('accepts application/json bodies as Slack does', async () => {
    const response = await fetch(`${fake.url}chat.postMessage`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ channel: 'C0SEARCH001', text: 'json', blocks: [section('hi')] }),
    });
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await response.json()).toMatchObject({ ok: true, channel: 'C0SEARCH001' });
    expect(fake.posts()[0]?.blocks).toEqual([section('hi')]);
  });
});

describe('Block Kit validation', () => {
  const post = (blocks: unknown) =>
    slackError(client().chat.postMessage({ channel: 'C0PAYMENTS1', text: 'fallback', blocks: blocks as never }));

  it.each([
    ['more than 50 blocks', Array.from({ length: 51 }, () => ({ type: 'divider' })), '[json-pointer:/blocks]'],
    ['a section text over 3000', [section('x'.repeat(3001))], '[json-pointer:/blocks/0/text/text]'],
    ['an empty section text', [{ type: 'divider' }, section('')], '[json-pointer:/blocks/1/text/text]'],
    ['a mrkdwn header', [{ type: 'header', text: { type: 'mrkdwn', text: 'hi' } }], '[json-pointer:/blocks/0/text/type]'],
    ['a header over 150', [{ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } }], '[json-pointer:/blocks/0/text/text]'],
    [
      'a context with 11 elements',
      [{ type: 'context', elements: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'e' })) }],
      '[json-pointer:/blocks/0/elements]',
    ],
    ['a block_id over 255', [{ type: 'divider', block_id: 'b'.repeat(256) }], '[json-pointer:/blocks/0/block_id]'],
  ])('rejects %s as invalid_blocks', async (_what, blocks, pointer) => {
    const data = await post(blocks);
    expect(data.error).toBe('invalid_blocks');
    expect((data as { errors?: string[] }).errors?.some((e) => e.endsWith(pointer))).toBe(true);
    expect(fake.posts()).toEqual([]);
  });

  it('accepts the limits exactly', async () => {
    const blocks = [
      { type: 'header', text: { type: 'plain_text', text: 'h'.repeat(150) } },
      section('x'.repeat(3000)),
      { type: 'context', elements: Array.from({ length: 10 }, () => ({ type: 'mrkdwn', text: 'e' })) },
      ...Array.from({ length: 47 }, (_, i) => ({ type: 'divider', block_id: `${i}`.padStart(255, 'b') })),
    ];
    const result = await client().chat.postMessage({ channel: 'C0PAYMENTS1', text: 'ok', blocks: blocks });
    expect(result.ok).toBe(true);
  });

  it('rejects block text summing past 12,000 characters as msg_blocks_too_long', async () => {
    const data = await post(Array.from({ length: 5 }, () => section('x'.repeat(2500))));
    expect(data.error).toBe('msg_blocks_too_long');
  });

  it('answers invalid_blocks_format when blocks is not a JSON array', async () => {
    expect((await post({ type: 'section' })).error).toBe('invalid_blocks_format');
    expect((await post('not json')).error).toBe('invalid_blocks_format');
    expect(fake.requests.at(-1)?.params['blocks']).toBe('not json');
  });
});

describe('conversations and users', () => {
  it('join makes the bot a member so a post then succeeds; joining again warns', async () => {
    fake.setScopes(DEFAULT_SCOPES.filter((s) => s !== 'chat:write.public'));
    const slack = client();
    expect((await slackError(slack.chat.postMessage({ channel: 'C0NOTJOINED', text: 'x' }))).error).toBe('not_in_channel');
    const joined = await slack.conversations.join({ channel: 'C0NOTJOINED' });
    expect(joined).toMatchObject({ ok: true, channel: { id: 'C0NOTJOINED', is_member: true } });
    expect(joined.warning).toBeUndefined();
    await expect(slack.chat.postMessage({ channel: 'C0NOTJOINED', text: 'x' })).resolves.toMatchObject({ ok: true });
    expect((await slack.conversations.join({ channel: 'C0NOTJOINED' })).warning).toBe('already_in_channel');
  });

  it.each([
    ['G0PRIVATE01', 'method_not_supported_for_channel_type'],
    ['C0ARCHIVED1', 'is_archived'],
    ['C0UNKNOWN01', 'channel_not_found'],
    ['#not-joined', 'channel_not_found'],
  ])('join %s answers %s', async (channel, code) => {
    expect((await slackError(client().conversations.join({ channel }))).error).toBe(code);
  });

  it('join needs channels:join', async () => {
    fake.setScopes(['chat:write']);
    const data = await slackError(client().conversations.join({ channel: 'C0NOTJOINED' }));
    expect(data).toMatchObject({ error: 'missing_scope', needed: 'channels:join' });
  });

  it('info describes a channel by ID and does not find unknown or invisible ones', async () => {
    const slack = client();
    expect((await slack.conversations.info({ channel: 'C0ARCHIVED1' })).channel).toMatchObject({
      id: 'C0ARCHIVED1',
      name: 'old-team',
      is_private: false,
      is_archived: true,
      is_member: true,
    });
    expect((await slackError(slack.conversations.info({ channel: 'C0UNKNOWN01' }))).error).toBe('channel_not_found');
    expect((await slackError(slack.conversations.info({ channel: 'G0PRIVATE01' }))).error).toBe('channel_not_found');
  });

  it('list returns every public channel in one page with an empty cursor', async () => {
    const result = await client().conversations.list({ limit: 2 });
    expect(result.channels?.map((c) => c.id)).toEqual(['C0PAYMENTS1', 'C0SEARCH001', 'C0NOTJOINED', 'C0ARCHIVED1']);
    expect(result.response_metadata?.next_cursor).toBe('');
  });

  it('users.lookupByEmail finds a user, answers users_not_found, and needs users:read.email', async () => {
    const slack = client();
    expect((await slack.users.lookupByEmail({ email: 'lead@example.com' })).user?.id).toBe('U0SECLEAD01');
    expect((await slackError(slack.users.lookupByEmail({ email: 'ghost@example.com' }))).error).toBe('users_not_found');
    fake.setScopes(['chat:write']);
    const data = await slackError(slack.users.lookupByEmail({ email: 'lead@example.com' }));
    expect(data).toMatchObject({ error: 'missing_scope', needed: 'users:read.email', provided: 'chat:write' });
  });

  it('conversations.open answers user_not_found for an unknown user', async () => {
    expect((await slackError(client().conversations.open({ users: 'U0NOBODY01' }))).error).toBe('user_not_found');
  });

  it('answers unknown_method for a method it does not know', async () => {
    expect((await slackError(client().apiCall('chat.teleport', {}))).error).toBe('unknown_method');
  });
});

describe('fault injection', () => {
  it('a 429 once: WebClient waits Retry-After itself, retries, and the post lands once', async () => {
    fake.fail('chat.postMessage', { status: 429, retryAfter: 0 });
    const slack = client({ retryConfig: { retries: 1, minTimeout: 0, maxTimeout: 1 } });
    await expect(slack.chat.postMessage({ channel: 'C0PAYMENTS1', text: 'x' })).resolves.toMatchObject({ ok: true });
    expect(fake.calls('chat.postMessage').map((r) => r.status)).toEqual([429, 200]);
    expect(fake.posts()).toHaveLength(1);
  });

  it('a 429 carries Retry-After to a client that rejects rate-limited calls', async () => {
    fake.fail('chat.postMessage', { status: 429, retryAfter: 7 });
    const error = await client({ rejectRateLimitedCalls: true })
      .chat.postMessage({ channel: 'C0PAYMENTS1', text: 'x' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WebAPIRateLimitedError);
    expect((error as WebAPIRateLimitedError).retryAfter).toBe(7);
  });

  it('a 500 becomes WebAPIHTTPError with Slack-like HTML', async () => {
    fake.fail('chat.postMessage', { status: 500 });
    const error = await client()
      .chat.postMessage({ channel: 'C0PAYMENTS1', text: 'x' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WebAPIHTTPError);
    expect((error as WebAPIHTTPError).statusCode).toBe(500);
    expect(fake.posts()).toEqual([]);
  });

  it('an answer later than the client timeout becomes WebAPIRequestError, and close() is still prompt', async () => {
    fake.fail('chat.postMessage', { delayMs: 60_000 });
    const error = await client({ timeout: 50 })
      .chat.postMessage({ channel: 'C0PAYMENTS1', text: 'x' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WebAPIRequestError);
    // A slow Slack still posts: the message exists even though chaser never heard back.
    expect(fake.posts()).toHaveLength(1);
    await fake.close(); // would hang until the test timeout if the 60 s answer held the server open
    expect(fake.calls('chat.postMessage')[0]?.status).toBeNull();
  });

  it('a dropped connection becomes WebAPIRequestError', async () => {
    fake.fail('auth.test', { dropConnection: true });
    await expect(client().auth.test()).rejects.toBeInstanceOf(WebAPIRequestError);
    await expect(client().auth.test()).resolves.toMatchObject({ ok: true });
  });

  it('an error fault with extra fields answers them; deliver:true records the post anyway', async () => {
    fake.fail('chat.postMessage', { error: 'fatal_error', deliver: true });
    fake.fail('chat.postMessage', { error: 'missing_scope', extra: { needed: 'chat:write', provided: '' } });
    const slack = client();
    expect((await slackError(slack.chat.postMessage({ channel: 'C0PAYMENTS1', text: 'one' }))).error).toBe('fatal_error');
    expect(await slackError(slack.chat.postMessage({ channel: 'C0PAYMENTS1', text: 'two' }))).toMatchObject({
      error: 'missing_scope',
      needed: 'chat:write',
    });
    expect(fake.posts().map((p) => p.text)).toEqual(['one']);
  });

  it('a channel-scoped fault hits only posts into that channel, by whatever name they use', async () => {
    fake.fail('chat.postMessage', { error: 'restricted_action' }, { channel: 'C0SEARCH001', times: Infinity });
    const slack = client();
    await expect(slack.chat.postMessage({ channel: 'C0PAYMENTS1', text: 'x' })).resolves.toMatchObject({ ok: true });
    expect((await slackError(slack.chat.postMessage({ channel: '#team-search', text: 'x' }))).error).toBe('restricted_action');
    expect((await slackError(slack.chat.postMessage({ channel: 'C0SEARCH001', text: 'x' }))).error).toBe('restricted_action');
  });

  it('times counts matching calls, then normal answers resume', async () => {
    fake.fail('auth.test', { error: 'internal_error' }, { times: 2 });
    const slack = client();
    expect((await slackError(slack.auth.test())).error).toBe('internal_error');
    expect((await slackError(slack.auth.test())).error).toBe('internal_error');
    await expect(slack.auth.test()).resolves.toMatchObject({ ok: true });
  });

  it('reset forgets requests and faults but keeps the workspace', async () => {
    fake.fail('auth.test', { error: 'internal_error' });
    await client().conversations.join({ channel: 'C0NOTJOINED' });
    fake.reset();
    expect(fake.requests).toEqual([]);
    await expect(client().auth.test()).resolves.toMatchObject({ ok: true });
    expect(fake.channel('C0NOTJOINED')?.isMember).toBe(true);
  });
});

describe('per-channel rate (enforceChannelRate)', () => {
  beforeEach(async () => {
    await fake.close();
    // A long interval so the "quick" second post is quick however slow the machine is.
    fake = await startFakeSlack({
      enforceChannelRate: true,
      channelIntervalMs: 60_000,
      channels: [
        { id: 'C0PAYMENTS1', name: 'team-payments' },
        { id: 'C0SEARCH001', name: 'team-search' },
      ],
    });
  });

  it('rejects a second quick post into the same channel with 429, not one into another channel', async () => {
    const slack = client({ rejectRateLimitedCalls: true });
    await slack.chat.postMessage({ channel: 'C0PAYMENTS1', text: 'first' });
    const error = await slack.chat.postMessage({ channel: '#team-payments', text: 'second' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WebAPIRateLimitedError);
    expect((error as WebAPIRateLimitedError).retryAfter).toBe(1);
    await expect(slack.chat.postMessage({ channel: 'C0SEARCH001', text: 'other' })).resolves.toMatchObject({ ok: true });
    expect(fake.posts().map((p) => p.text)).toEqual(['first', 'other']);
  });

  it("does not count a rejected post as the channel's last post", async () => {
    await fake.close();
    fake = await startFakeSlack({ enforceChannelRate: true, channels: [{ id: 'C0PAYMENTS1', name: 'p' }] });
    fake.fail('chat.postMessage', { error: 'internal_error' });
    const slack = client({ rejectRateLimitedCalls: true });
    await slack.chat.postMessage({ channel: 'C0PAYMENTS1', text: 'x' }).catch(() => undefined);
    await expect(slack.chat.postMessage({ channel: 'C0PAYMENTS1', text: 'y' })).resolves.toMatchObject({ ok: true });
  });
});

describe('lifecycle', () => {
  it('close() ends keep-alive connections and is idempotent', async () => {
    await client().auth.test(); // leaves an idle keep-alive socket in undici's pool
    await Promise.all([fake.close(), fake.close()]);
    await expect(client().auth.test()).rejects.toBeInstanceOf(WebAPIRequestError);
  });

  it('latencyMs holds every answer back at least that long', async () => {
    await fake.close();
    fake = await startFakeSlack({ latencyMs: 40 });
    const started = performance.now();
    const results = await Promise.all([client().auth.test(), client().auth.test()]);
    expect(results.every((r) => r.ok)).toBe(true);
    // A lower bound only, with a little slack: Node timers can fire a millisecond early.
    expect(performance.now() - started).toBeGreaterThanOrEqual(35);
  });
});
