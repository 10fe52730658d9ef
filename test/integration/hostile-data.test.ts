import { describe, expect, it } from 'vitest';
import { nudgeCounts, stateLogMismatches } from '../support/chaser-state.js';
import { backend, insertConsumers } from '../support/db.js';
import { checkPostMessage } from '../support/slack-checker.js';
import { baseConfig, CHANNELS, daysBefore, useScenario } from '../support/scenario.js';
import { NOW } from '../support/clock.js';

const ISO = NOW.toISOString();
const withFallback = () => ({ ...baseConfig(), fallbackChannel: CHANNELS.fallback });

describe(`hostile and broken inventory data (${backend})`, () => {
  const s = useScenario();

  /** Every message chaser posted passes the independent checker: nothing pings, links or breaks a limit. */
  function expectEveryPostClean() {
    const posts = s.slack.posts();
    expect(posts.length).toBeGreaterThan(0);
    for (const post of posts) {
      expect(checkPostMessage(post.params, { allowedMentions: ['S0PAYONCALL'] }), `post to ${post.channelId}`).toEqual([]);
    }
    return posts;
  }
  const allText = () => JSON.stringify(s.slack.posts().map((p) => [p.text, p.blocks]));

  it('names, ids, key ids and team keys full of mrkdwn, mentions, links, emoji and bidi controls are escaped, never obeyed', async () => {
    const hostile = [
      '<!here> <!channel> <!everyone>',
      '<@U0123ABCD> and <!subteam^S0PAYONCALL>',
      '<https://evil.example|click here> <#C0SECURITY1|security>',
      '*bold* _italic_ ~strike~ `code` ```block``` > quote & &amp; &lt;',
      '🔥 payments 👩‍💻 🏴󠁧󠁢󠁳󠁣󠁴󠁿',
      '\u202Egnp.exe\u202C invoice \u200F\u200Bhidden\u2066x\u2069',
      'line one\nline two <!here>\ttabbed\u2028sep',
    ];
    await insertConsumers(s.db.sql, [
      ...hostile.map((name, i) => ({ id: `name-${i}`, name, owner_team: 'payments', rotation_deadline: daysBefore(16) })),
      { id: '<!here>', name: 'id is a mention', owner_team: 'search', key_id: '<!channel>|`kms/x`', rotation_deadline: daysBefore(4) },
      { id: 'key-1', name: 'key is a link', owner_team: 'search', key_id: '<https://evil.example|kms>', rotation_deadline: daysBefore(4) },
      // Unrouted team keys: they go to the fallback channel, where the team key itself is shown.
      { id: 'team-1', owner_team: '<!here> team', rotation_deadline: daysBefore(8) },
      { id: 'team-2', owner_team: '<@U0123ABCD>', rotation_deadline: daysBefore(8) },
      { id: 'team-3', owner_team: '\u202Etset\u202C 🔥 ops', rotation_deadline: daysBefore(8) },
      { id: 'team-4', owner_team: '*ops* & <friends>', rotation_deadline: daysBefore(8) },
    ]);
    s.writeConfig(withFallback());

    const run = await s.run(['sweep', '--now', ISO]);
    expect(run.code).toBe(3); // 3, not 4: Slack accepted every payload
    const posts = expectEveryPostClean();
    expect(posts.map((p) => p.channelId).sort()).toEqual(
      [CHANNELS.payments, CHANNELS.search, ...Array(4).fill(CHANNELS.fallback), CHANNELS.security].sort(),
    );

    const text = allText();
    expect(text).toContain('&lt;!here&gt; &lt;!channel&gt; &lt;!everyone&gt;'); // shown, as text
    expect(text).toContain('&lt;https://evil.example|click here&gt;');
    expect(text).toContain('&amp;amp;'); // an entity in the data stays text too
    expect(text).toContain('🔥 payments 👩‍💻 🏴󠁧󠁢󠁳󠁣󠁴󠁿'); // emoji kept whole (joiner and flag tags included)
    expect(text).not.toMatch(/[\u202A-\u202E\u2066-\u2069\u200B\u200F]/); // no bidi override or invisible text
    expect(text).toContain('line one line two'); // a name cannot start a line of its own
    // Only the configured mention pings: the critical tier mentions payments' on-call group, once.
    const payments = posts.find((p) => p.channelId === CHANNELS.payments)!;
    expect(payments.text!.match(/<!subteam\^S0PAYONCALL>/g)).toHaveLength(1);
    expect(payments.params['link_names']).toBeUndefined();

    // Every hostile consumer was nudged and recorded like any other.
    expect(Object.keys(await nudgeCounts(s.db.sql)).sort()).toEqual(
      ['<!here>', 'key-1', ...hostile.map((_, i) => `name-${i}`), 'team-1', 'team-2', 'team-3', 'team-4'].sort(),
    );
  });

  it('10,000-character names, ids, key ids and team keys are cut with an ellipsis; Slack accepts every payload', async () => {
    const long = (c: string) => c.repeat(10_000);
    await insertConsumers(s.db.sql, [
      { id: 'long-name', name: long('n'), owner_team: 'payments', rotation_deadline: daysBefore(16) },
      { id: long('i'), name: 'long id', owner_team: 'payments', rotation_deadline: daysBefore(16) },
      { id: 'long-key', name: 'long key', owner_team: 'payments', key_id: long('k'), rotation_deadline: daysBefore(16) },
      { id: 'long-team', name: 'long team', owner_team: long('t'), rotation_deadline: daysBefore(8) },
      { id: 'long-emoji', name: '🔥'.repeat(10_000), owner_team: 'search', rotation_deadline: daysBefore(4) },
    ]);
    s.writeConfig(withFallback());

    const run = await s.run(['sweep', '--now', ISO]);
    expect(run.code).toBe(3);
    expectEveryPostClean();
    const text = allText();
    expect(text).toMatch(/n{50,}…/);
    expect(text).not.toContain('n'.repeat(200));
    expect(text).toMatch(/k{50,}…/);
    expect(text).not.toContain('k'.repeat(200));
    expect(text).toMatch(/t{50,}…/);
    expect(text).not.toContain('t'.repeat(200));
    expect(text).toMatch(/(🔥){50,}…/u); // cut between emoji, never inside one
    expect(text).not.toContain('\uFFFD');
    expect(Object.keys(await nudgeCounts(s.db.sql))).toHaveLength(5);
    // Output to the terminal is cut too, not 10,000 characters per line.
    expect(run.stdout.length).toBeLessThan(20_000);
  });

  describe('a mapped table that allows anything (no primary key, every column nullable)', () => {
    const config = () => ({
      ...withFallback(),
      source: {
        table: 'loose_inventory',
        columns: { id: 'id', name: 'name', team: 'team', keyId: 'key', status: 'state', deadline: 'due' },
      },
    });

    async function createLooseTable(rows: Array<[string | null, string | null, string | null, string | null, string | null, Date | null]>) {
      await s.db.sql`drop table if exists loose_inventory`;
      await s.db.sql`create table loose_inventory (id text, name text, team text, key text, state text, due timestamptz)`;
      for (const [id, name, team, key, state, due] of rows) {
        await s.db.sql`insert into loose_inventory values (${id}, ${name}, ${team}, ${key}, ${state}, ${due})`;
      }
    }

    it('NULL names, keys, teams, deadlines and ids, unknown statuses, duplicate ids: each a defined outcome, never a crash', async () => {
      await createLooseTable([
        ['ok-1', 'indexer', 'search', 'kms/a', 'pending', daysBefore(4)],
        ['no-name', null, 'search', 'kms/a', 'pending', daysBefore(4)],
        ['no-key', 'crawler', 'search', null, 'pending', daysBefore(4)],
        ['no-deadline', 'batch', 'search', 'kms/a', 'pending', null],
        ['no-team', 'orphan', null, 'kms/a', 'pending', daysBefore(5)],
        [null, 'no id at all', 'search', 'kms/a', 'pending', daysBefore(4)],
        ['dup-1', 'first copy', 'identity', 'kms/a', 'pending', daysBefore(2)],
        ['dup-1', 'second copy', 'identity', 'kms/a', 'pending', daysBefore(3)],
        ['in-progress', 'x', 'search', 'kms/a', 'in-progress', daysBefore(4)],
        ['shouting', 'x', 'search', 'kms/a', 'PENDING', daysBefore(4)],
        ['no-status', 'x', 'search', 'kms/a', null, daysBefore(4)],
      ]);
      s.writeConfig(config());

      const run = await s.run(['sweep', '--now', ISO, '--json']);
      expect(run.code).toBe(3); // not 70: no row crashes the run
      expect(run.stderr).toMatch(/a consumer row of team "search" skipped: its id is NULL/);
      expectEveryPostClean();
      // Rows that cannot be chased are named on stderr...
      expect(run.stderr).toMatch(/consumer "no-deadline" skipped: it has no valid rotation deadline/);
      expect(run.stderr).toMatch(/consumer "no-team" skipped: it has no team/);
      expect(run.stderr).toMatch(/consumer "dup-1" skipped: another row has the same id/);
      // ...and listed in the digest for the lead.
      const digest = JSON.stringify(s.slack.posts().find((p) => p.channelId === CHANNELS.security)!.blocks);
      expect(digest).toMatch(/Skipped rows/);
      expect(digest).toMatch(/1 row with no rotation deadline: `no-deadline`/);
      expect(digest).toMatch(/1 row with no owner team: `no-team`/);
      expect(digest).toMatch(/1 row with a duplicate id: `dup-1`/);
      expect(digest).toMatch(/1 row with no id/);

      const search = JSON.stringify(s.slack.posts().find((p) => p.channelId === CHANNELS.search)!.blocks);
      expect(search).toContain('*no-name*'); // a NULL name is shown as the id
      expect(search).toContain('key _unknown_'); // a NULL key id is said to be unknown
      // Statuses other than the configured pending ones are not chased, whatever their spelling...
      const nudges = JSON.stringify(
        s.slack
          .posts()
          .filter((p) => p.channelId !== CHANNELS.security)
          .map((p) => [p.text, p.blocks]),
      );
      expect(nudges).not.toMatch(/in-progress|shouting|no-status/);
      // ...nor taken as done: the digest names them (NULL included) for the lead.
      expect(digest).toMatch(/Statuses chaser does not know/);
      expect(digest).toContain('\\"in-progress\\" (1 row)');
      expect(digest).toContain('\\"PENDING\\" (1 row, differs only by case or spaces from \\"pending\\")');
      expect(digest).toContain('NULL (1 row)');
      const identity = JSON.stringify(s.slack.posts().find((p) => p.channelId === CHANNELS.identity)!.blocks);
      expect(identity.match(/copy\*/g)).toHaveLength(1); // one of the two rows, once

      const counts = await nudgeCounts(s.db.sql);
      expect(counts).toMatchObject({ 'ok-1': 1, 'no-name': 1, 'no-key': 1, 'dup-1': 1 });
      expect(Object.keys(counts)).not.toContain('no-deadline');
      expect(Object.keys(counts)).not.toContain('no-team');
      expect(await stateLogMismatches(s.db.sql)).toEqual([]);
      const result = JSON.parse(run.stdout);
      expect(result.outstanding).toBe(Object.keys(counts).length);
    });
  });

  it('a team with 5,000 laggards: one message, "…and N more" with the exact count, all 5,000 recorded', async () => {
    await s.db.sql`
      insert into rotation_consumers (id, name, owner_team, key_id, status, rotation_deadline)
      select 'bulk-' || lpad(g::text, 4, '0'), 'service-' || g, 'payments', 'kms/test-key-2026-01', 'pending',
             ${daysBefore(10)}::timestamptz - make_interval(mins => g)
      from generate_series(1, 5000) as g`;

    const run = await s.run(['sweep', '--now', ISO, '--no-digest']);
    expect(run.code).toBe(3);
    const posts = expectEveryPostClean();
    expect(posts.map((p) => p.channelId)).toEqual([CHANNELS.payments]);

    const sections = (posts[0]!.blocks as Array<{ type: string; text?: { text: string } }>)
      .filter((b) => b.type === 'section')
      .map((b) => b.text?.text ?? '');
    const listed = sections
      .join('\n')
      .split('\n')
      .filter((line) => line.startsWith('• ')).length;
    expect(listed).toBeGreaterThan(0);
    const more = /…and (\d+) more/.exec(JSON.stringify(posts[0]!.blocks));
    expect(more).not.toBeNull();
    expect(listed + Number(more![1])).toBe(5000);

    const [counts] = await s.db.sql<{ consumers: number; nudges: number; logged: number }[]>`
      select count(*)::int as consumers, sum(nudge_count)::int as nudges, (select count(*)::int from chaser_nudge_log) as logged
      from chaser_nudge_state`;
    expect(counts).toEqual({ consumers: 5000, nudges: 5000, logged: 5000 });
  });
});
