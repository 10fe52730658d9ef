import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TIERS, defaultTiers } from '../../src/config/defaults.js';
import { TEMPLATE_PLACEHOLDERS } from '../../src/config/identifiers.js';
import { validateConfig } from '../../src/config/schema.js';
import type { Config } from '../../src/config/types.js';

/** The config a valid input produces; fails the test with the errors otherwise. */
function configOf(input: unknown): Config {
  const result = validateConfig(input);
  if (!result.ok) throw new Error(`expected a valid config, got:\n${result.errors.join('\n')}`);
  return result.config;
}

/** The error lines of an invalid input; fails the test if it was accepted. */
function errorsOf(input: unknown): string[] {
  const result = validateConfig(input);
  if (result.ok) throw new Error('expected the config to be rejected, but it was accepted');
  return result.errors;
}

/** The single error line about `path` (fails if there is none or several). */
function errorAt(input: unknown, path: string): string {
  const lines = errorsOf(input).filter((line) => line.startsWith(`${path}: `));
  expect(lines, `errors about ${path}`).toHaveLength(1);
  return lines[0] as string;
}

const tier = (name: string, afterDaysOverdue: number, every = '24h', extra: Record<string, unknown> = {}) => ({
  name,
  afterDaysOverdue,
  every,
  ...extra,
});

describe('validateConfig: defaults', () => {
  it('accepts {} and fills in every default of the contract', () => {
    expect(configOf({})).toEqual({
      database: { connectTimeoutSeconds: 10, statementTimeoutMs: 30_000 },
      source: {
        table: 'rotation_consumers',
        columns: {
          id: 'id',
          name: 'name',
          team: 'owner_team',
          keyId: 'key_id',
          status: 'status',
          deadline: 'rotation_deadline',
          snoozedUntil: 'snoozed_until',
        },
        pendingStatuses: ['pending'],
        doneStatuses: ['confirmed', 'exempt'],
      },
      tiers: [
        { name: 'gentle', afterDaysOverdue: 0, every: '72h', everyMs: 259_200_000, mention: 'none' },
        { name: 'firm', afterDaysOverdue: 3, every: '24h', everyMs: 86_400_000, mention: 'none' },
        { name: 'urgent', afterDaysOverdue: 7, every: '24h', everyMs: 86_400_000, mention: 'team' },
        { name: 'critical', afterDaysOverdue: 14, every: '12h', everyMs: 43_200_000, mention: 'team' },
      ],
      teams: {},
      digestPeriod: { every: '1d', everyMs: 86_400_000 },
      calendar: {
        timezone: 'UTC',
        workdays: ['mon', 'tue', 'wed', 'thu', 'fri'],
        hours: { start: '09:00', end: '17:00' },
        holidays: [],
        outsideHours: 'wait',
      },
      overdueClock: 'calendar',
      slack: { concurrency: 8, timeoutMs: 10_000, retries: 2, maxRetryAfterSeconds: 120, perChannelIntervalMs: 1_000 },
      budget: { maxPerWeek: null, exemptTiers: ['critical'] },
      threads: 'reply',
      threadMaxAgeDays: 14,
      answers: {
        who: 'team',
        reactions: { done: 'white_check_mark', snooze: 'zzz', notOurs: 'no_entry_sign' },
        claimGrace: '2d',
        claimGraceMs: 172_800_000,
        maxSnooze: '7d',
        maxSnoozeMs: 604_800_000,
        quietFor: '8d',
        quietForMs: 691_200_000,
      },
    });
  });

  it('evidence: source.columns.lastSeenOnOldKey is optional with no default; answers.quietFor is a duration', () => {
    expect(configOf({}).source.columns).not.toHaveProperty('lastSeenOnOldKey');
    expect(configOf({ source: { columns: { lastSeenOnOldKey: 'last_used_at' } }, answers: { quietFor: '14d' } })).toMatchObject({
      source: { columns: { lastSeenOnOldKey: 'last_used_at', deadline: 'rotation_deadline' } },
      answers: { quietFor: '14d', quietForMs: 14 * 86_400_000 },
    });
    expect(errorAt({ source: { columns: { lastSeenOnOldKey: 'last used' } } }, 'source.columns.lastSeenOnOldKey')).toMatch(
      /expected a plain SQL identifier/,
    );
    expect(errorAt({ answers: { quietFor: 'a week' } }, 'answers.quietFor')).toMatch(/expected a positive duration/);
    expect(errorAt({ answers: { quietDays: 7 } }, 'answers.quietDays')).toMatch(/unknown key; allowed here: .*quietFor/);
  });

  it('threads, threadMaxAgeDays and answers: each mistake named with what to write', () => {
    expect(errorsOf({ threads: 'on' })).toEqual([
      'threads: expected "reply" (one living thread per team) or "off" (a new message per run), got "on"',
    ]);
    expect(errorsOf({ threadMaxAgeDays: 0 })[0]).toMatch(/^threadMaxAgeDays: expected a whole number from 1 to 90/);
    expect(errorsOf({ answers: { who: ['@ana'] } })[0]).toMatch(/^answers\.who/);
    expect(errorsOf({ answers: { reactions: { done: ':white_check_mark:' } } })[0]).toMatch(
      /^answers\.reactions\.done: expected an emoji name without colons/,
    );
    expect(errorsOf({ answers: { claimGrace: 'two days' } })[0]).toMatch(/^answers\.claimGrace: expected a positive duration/);
    expect(configOf({ answers: { who: ['U0ANA00001'], maxSnooze: '14d' }, threads: 'off' })).toMatchObject({
      threads: 'off',
      answers: { who: ['U0ANA00001'], maxSnoozeMs: 14 * 86_400_000 },
    });
  });

  it("digest.every: the digest period of sweeps (default 1d), a duration like a tier's every", () => {
    expect(configOf({ digest: { channel: '#security', every: '12h' } })).toMatchObject({
      digest: { channel: '#security' },
      digestPeriod: { every: '12h', everyMs: 43_200_000 },
    });
    expect(errorsOf({ digest: { channel: '#security', every: 'daily' } })).toEqual([
      expect.stringMatching(/^digest\.every: expected a positive duration/),
    ]);
    expect(errorsOf({ digest: { every: '1d' } })).toEqual([
      expect.stringMatching(/exactly one of digest.channel, digest.user or digest.email; got none/),
    ]);
  });

  it('leaves the optional destinations out rather than inventing them', () => {
    const config = configOf({});
    expect('url' in config.database).toBe(false);
    expect('fallbackChannel' in config).toBe(false);
    expect('digest' in config).toBe(false);
  });

  it('exports the default ladder it applies', () => {
    expect(configOf({}).tiers).toEqual(DEFAULT_TIERS);
    expect(defaultTiers()).toEqual(DEFAULT_TIERS);
    expect(defaultTiers()[0]).not.toBe(DEFAULT_TIERS[0]);
  });

  it('hands out fresh objects, so a caller mutating its config cannot change the next one', () => {
    const first = configOf({});
    first.source.pendingStatuses.push('waiting');
    (first.tiers[0] as { every: string }).every = '1h';
    first.teams['x'] = { channel: '#x' };
    const second = configOf({});
    expect(second.source.pendingStatuses).toEqual(['pending']);
    expect(second.tiers[0]?.every).toBe('72h');
    expect(second.teams).toEqual({});
  });

  it('fills defaults inside a section that is only partly written', () => {
    const config = configOf({ slack: { concurrency: 8 }, source: { columns: { team: 'team_key' } } });
    expect(config.slack).toEqual({ concurrency: 8, timeoutMs: 10_000, retries: 2, maxRetryAfterSeconds: 120, perChannelIntervalMs: 1_000 });
    expect(config.source.columns).toMatchObject({ id: 'id', team: 'team_key', deadline: 'rotation_deadline' });
    expect(config.source.table).toBe('rotation_consumers');
  });
});

describe('validateConfig: the document itself', () => {
  it.each([
    ['null', null, 'null'],
    ['a list', [], 'a list'],
    ['a string', 'teams', '"teams"'],
    ['a number', 3, '3'],
  ])('rejects %s at the root', (_, input, shown) => {
    expect(errorsOf(input)).toEqual([`(root): expected an object of settings (write {} to use every default), got ${shown}`]);
  });

  it('accepts a "$schema" string for editors and keeps it out of the config', () => {
    const config = configOf({ $schema: './schema/chaser.config.schema.json' });
    expect('$schema' in config).toBe(false);
  });

  it('rejects a "$schema" that is not a string', () => {
    expect(errorAt({ $schema: 1 }, '$schema')).toContain('got 1');
  });

  it('rejects an unknown top-level key and suggests the key that was meant', () => {
    expect(errorAt({ tier: [] }, 'tier')).toBe(
      'tier: unknown key; did you mean "tiers"? allowed here: $schema, database, source, tiers, teams, calendar, overdueClock, fallbackChannel, digest, slack, maxMessagesPerTeamPerWeek, budgetExempt, threads, threadMaxAgeDays, answers',
    );
  });

  it('rejects unknown keys at every depth, one line per key', () => {
    const errors = errorsOf({
      database: { host: 'db' },
      source: { columns: { owner: 'x' } },
      tiers: [tier('gentle', 0, '1d', { mentions: 'team' })],
      teams: { payments: { channel: '#payments', chanel: '#x' } },
      slack: { concurency: 2, retry: 1 },
    });
    expect(errors.map((line) => line.slice(0, line.indexOf(':')))).toEqual([
      'database.host',
      'source.columns.owner',
      'tiers[0].mentions',
      'teams.payments.chanel',
      'slack.concurency',
      'slack.retry',
    ]);
    expect(errors).toContain(
      'tiers[0].mentions: unknown key; did you mean "mention"? allowed here: name, afterDaysOverdue, every, mention, template, escalateAfterIgnored, ignoredAfter, escalateTo, chain',
    );
  });

  it('lists every problem, each with its path', () => {
    const errors = errorsOf({
      database: { connectTimeoutSeconds: 0 },
      source: { columns: { team: 'team; drop' } },
      tiers: [tier('gentle', 0, '-1h')],
      teams: { payments: { channel: 'payments' } },
      slack: { token: 'xoxb-not-here' },
    });
    expect(errors).toHaveLength(5);
    expect(errors.map((line) => line.slice(0, line.indexOf(':')))).toEqual([
      'database.connectTimeoutSeconds',
      'source.columns.team',
      'tiers[0].every',
      'teams.payments.channel',
      'slack.token',
    ]);
  });
});

describe('validateConfig: database', () => {
  it.each([
    'postgres://chaser@db.internal:5432/inventory',
    'postgresql://localhost/inventory',
    'postgres://a:5432,b:5432/db',
    'postgres:///inventory',
  ])('accepts the URL %s', (url) => {
    expect(configOf({ database: { url } }).database.url).toBe(url);
  });

  it('rejects a URL of another database without repeating it (it may hold a password)', () => {
    const errors = errorsOf({ database: { url: 'mysql://admin:s3cret-pass@db/inventory' } });
    expect(errors).toEqual([
      'database.url: expected a postgres:// URL (postgres://user@host:5432/dbname; the password can come from PGPASSWORD)',
    ]);
    expect(errors.join('\n')).not.toContain('s3cret');
  });

  it.each([['not a url with s3cret'], [42]])('rejects %j as a URL without echoing it', (url) => {
    const line = errorAt({ database: { url } }, 'database.url');
    expect(line).toMatch(/^database\.url: expected a postgres:\/\/ URL/);
    expect(line).not.toContain(String(url));
  });

  it('tells the user to keep a password out of the file', () => {
    expect(errorAt({ database: { password: 'x' } }, 'database.password')).toContain('DATABASE_URL or the PGPASSWORD environment variable');
  });

  it.each([
    ['connectTimeoutSeconds', 1, 300],
    ['statementTimeoutMs', 100, 3_600_000],
  ])('bounds database.%s to whole numbers from %i to %i', (key, min, max) => {
    expect(configOf({ database: { [key]: min } }).database).toMatchObject({ [key]: min });
    expect(configOf({ database: { [key]: max } }).database).toMatchObject({ [key]: max });
    for (const bad of [min - 1, max + 1, min + 0.5, String(min)]) {
      expect(errorAt({ database: { [key]: bad } }, `database.${key}`)).toBe(
        `database.${key}: expected a whole number from ${min} to ${max}, got ${typeof bad === 'string' ? `"${bad}"` : bad}`,
      );
    }
  });
});

describe('validateConfig: source', () => {
  it('accepts a schema-qualified table', () => {
    expect(configOf({ source: { table: 'inventory.consumers' } }).source.table).toBe('inventory.consumers');
  });

  it.each(['a"b', 'x; drop table y', 'a.b.c', 'consumers ', '', '1consumers', '.consumers', 'inventory.', 'a'.repeat(64)])(
    'rejects the table name %j',
    (table) => {
      expect(errorAt({ source: { table } }, 'source.table')).toContain(
        'expected a plain SQL identifier (letters, digits, _), optionally schema-qualified like "inventory.consumers"',
      );
    },
  );

  it('says why a name that looks plain is refused', () => {
    expect(errorAt({ source: { table: '1consumers' } }, 'source.table')).toContain('(it may not start with a digit)');
    expect(errorAt({ source: { columns: { id: 'x'.repeat(64) } } }, 'source.columns.id')).toContain('(at most 63 characters)');
  });

  it('names the key and the value of a hostile column name', () => {
    expect(errorsOf({ source: { columns: { team: 'team; drop' } } })).toEqual([
      'source.columns.team: expected a plain SQL identifier (letters, digits, _), got "team; drop"',
    ]);
  });

  it.each(['id', 'name', 'team', 'keyId', 'status', 'deadline', 'snoozedUntil'])(
    'overrides source.columns.%s on its own and refuses hostile names for it',
    (key) => {
      const config = configOf({ source: { columns: { [key]: 'Mapped_Col2' } } });
      expect(config.source.columns).toMatchObject({ [key]: 'Mapped_Col2' });
      for (const hostile of ['a"b', 'x; drop table y', 'a.b', 'two words', '']) {
        expect(errorAt({ source: { columns: { [key]: hostile } } }, `source.columns.${key}`)).toContain('expected a plain SQL identifier');
      }
    },
  );

  it('accepts only names made of letters, digits, _ (and one dot in a table)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 70 }), (text) => {
        const column = validateConfig({ source: { columns: { id: text } } });
        if (column.ok) expect(text).toMatch(/^[A-Za-z0-9_]+$/);
        const table = validateConfig({ source: { table: text } });
        if (table.ok) expect(text).toMatch(/^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)?$/);
      }),
    );
  });

  it('accepts several pending statuses', () => {
    expect(configOf({ source: { pendingStatuses: ['pending', 'waiting'] } }).source.pendingStatuses).toEqual(['pending', 'waiting']);
  });

  it('rejects an empty list of pending statuses', () => {
    expect(errorAt({ source: { pendingStatuses: [] } }, 'source.pendingStatuses')).toBe(
      'source.pendingStatuses: expected at least one status; remove the key to use ["pending"]',
    );
  });

  it('rejects an empty status and a status that is not a list', () => {
    expect(errorAt({ source: { pendingStatuses: ['pending', ''] } }, 'source.pendingStatuses[1]')).toContain('got ""');
    expect(errorAt({ source: { pendingStatuses: 'pending' } }, 'source.pendingStatuses')).toContain('expected a list of statuses');
  });
});

describe('validateConfig: done statuses (source.doneStatuses)', () => {
  it('defaults to ["confirmed", "exempt"] and keeps a list as written', () => {
    expect(configOf({}).source.doneStatuses).toEqual(['confirmed', 'exempt']);
    expect(configOf({ source: { pendingStatuses: ['TODO'], doneStatuses: ['DONE', 'WONTFIX'] } }).source.doneStatuses).toEqual([
      'DONE',
      'WONTFIX',
    ]);
  });

  it('a status in both lists is a config error at its place in doneStatuses', () => {
    expect(
      errorAt({ source: { pendingStatuses: ['todo', 'in_progress'], doneStatuses: ['done', 'in_progress'] } }, 'source.doneStatuses[1]'),
    ).toBe('source.doneStatuses[1]: "in_progress" is also pendingStatuses[1]; a status is either pending or done, not both');
    // Against the default pending list too.
    expect(errorAt({ source: { doneStatuses: ['pending'] } }, 'source.doneStatuses[0]')).toContain('is also pendingStatuses[0]');
  });

  it('rejects an empty list and an empty status', () => {
    expect(errorAt({ source: { doneStatuses: [] } }, 'source.doneStatuses')).toContain('expected at least one status');
    expect(errorAt({ source: { doneStatuses: ['done', ''] } }, 'source.doneStatuses[1]')).toContain('got ""');
  });
});

describe('validateConfig: tiers', () => {
  it('keeps `every` as written and adds it in milliseconds', () => {
    const config = configOf({
      tiers: [tier('soft', 0, '1d12h'), tier('loud', 2.5, '90m', { mention: 'here', template: '{{team}}: {{count}} left' })],
    });
    expect(config.tiers).toEqual([
      { name: 'soft', afterDaysOverdue: 0, every: '1d12h', everyMs: 129_600_000, mention: 'none' },
      { name: 'loud', afterDaysOverdue: 2.5, every: '90m', everyMs: 5_400_000, mention: 'here', template: '{{team}}: {{count}} left' },
    ]);
  });

  it('accepts a single tier', () => {
    expect(configOf({ tiers: [tier('only', 0)] }).tiers).toHaveLength(1);
  });

  it('rejects an empty ladder', () => {
    expect(errorsOf({ tiers: [] })).toEqual(['tiers: expected at least one tier; remove the key to use the default ladder']);
  });

  it('requires the first tier to start at 0, so every overdue consumer has a tier', () => {
    expect(errorsOf({ tiers: [tier('late', 1), tier('later', 5)] })).toEqual([
      'tiers[0].afterDaysOverdue: the first tier must start at 0, so every overdue consumer has a tier; got 1',
    ]);
  });

  it('rejects tiers out of order, naming the one that is out of place', () => {
    expect(errorsOf({ tiers: [tier('a', 0), tier('b', 14), tier('c', 7)] })).toEqual([
      'tiers[2].afterDaysOverdue: tiers must be ordered by afterDaysOverdue, ascending: 7 is not after 14',
    ]);
  });

  it('rejects two tiers starting on the same day', () => {
    expect(errorAt({ tiers: [tier('a', 0), tier('b', 3), tier('c', 3)] }, 'tiers[2].afterDaysOverdue')).toContain('3 is not after 3');
  });

  it('compares each tier with the highest before it, not just its neighbour', () => {
    const errors = errorsOf({ tiers: [tier('a', 0), tier('b', 14), tier('c', 7), tier('d', 10)] });
    expect(errors).toEqual([
      'tiers[2].afterDaysOverdue: tiers must be ordered by afterDaysOverdue, ascending: 7 is not after 14',
      'tiers[3].afterDaysOverdue: tiers must be ordered by afterDaysOverdue, ascending: 10 is not after 14',
    ]);
  });

  it('rejects a negative afterDaysOverdue', () => {
    expect(errorAt({ tiers: [tier('a', 0), tier('b', -1)] }, 'tiers[1].afterDaysOverdue')).toBe(
      'tiers[1].afterDaysOverdue: expected a number of days ≥ 0, like 7 (fractions allowed), got -1',
    );
  });

  it('rejects duplicate names', () => {
    expect(errorsOf({ tiers: [tier('firm', 0), tier('loud', 3), tier('firm', 7)] })).toEqual([
      'tiers[2].name: "firm" is already the name of tiers[0]; tier names must be unique',
    ]);
  });

  it.each(['outstanding', 'never'])('rejects the name %j, reserved by --fail-on', (name) => {
    expect(errorsOf({ tiers: [tier(name, 0)] })).toEqual([
      `tiers[0].name: "${name}" is reserved by --fail-on (outstanding, never); choose another name`,
    ]);
  });

  it.each(['Gentle', '1st', 'two words', 'a.b', '', 'x'.repeat(33), '-dash'])('rejects the tier name %j', (name) => {
    expect(errorAt({ tiers: [tier(name, 0)] }, 'tiers[0].name')).toContain('expected a lowercase name like "urgent"');
  });

  it.each(['p1', 'sev-2', 'very_late', 'x'.repeat(32)])('accepts the tier name %j', (name) => {
    expect(configOf({ tiers: [tier(name, 0)] }).tiers[0]?.name).toBe(name);
  });

  it.each(['-1h', '0', '0h', '', '12', '1x'])('rejects the duration %j with an example of what to write', (every) => {
    expect(errorsOf({ tiers: [tier('a', 0), tier('b', 1, every)] })).toEqual([
      `tiers[1].every: expected a positive duration like "24h" or "3d", got ${JSON.stringify(every)} (units: ms, s, m, h, d, w; combine them as "1d12h")`,
    ]);
  });

  it('rejects a duration written as a number', () => {
    expect(errorAt({ tiers: [tier('a', 0, 24 as unknown as string)] }, 'tiers[0].every')).toContain('got 24');
  });

  it('reports missing keys of a tier', () => {
    expect(errorsOf({ tiers: [{ name: 'a' }] })).toEqual([
      'tiers[0].afterDaysOverdue: missing: expected a number of days ≥ 0, like 7 (fractions allowed)',
      'tiers[0].every: missing: expected a positive duration like "24h" or "3d" (units: ms, s, m, h, d, w; combine them as "1d12h")',
    ]);
  });

  it.each(['none', 'team', 'here'])('accepts mention %j', (mention) => {
    expect(configOf({ tiers: [tier('a', 0, '1d', { mention })] }).tiers[0]?.mention).toBe(mention);
  });

  it.each(['channel', 'everyone', 'TEAM', true])('rejects mention %j', (mention) => {
    expect(errorAt({ tiers: [tier('a', 0, '1d', { mention })] }, 'tiers[0].mention')).toContain(
      'expected "none", "team" (the team\'s mention) or "here"',
    );
  });

  it('rejects a tier that is not an object, and still checks the others', () => {
    const errors = errorsOf({ tiers: [tier('a', 0), 'firm', tier('c', 0)] });
    expect(errors).toEqual([
      'tiers[1]: expected a tier object like { "name": "firm", "afterDaysOverdue": 3, "every": "24h" }, got "firm"',
      'tiers[2].afterDaysOverdue: tiers must be ordered by afterDaysOverdue, ascending: 0 is not after 0',
    ]);
  });
});

describe('validateConfig: templates', () => {
  const withTemplate = (template: unknown) => ({ tiers: [tier('a', 0, '1d', { template })] });

  it('accepts every allowed placeholder and keeps the text as written', () => {
    const template = TEMPLATE_PLACEHOLDERS.map((name) => `*${name}*: {{${name}}}`).join('\n');
    expect(configOf(withTemplate(template)).tiers[0]?.template).toBe(template);
  });

  it('allows exactly the placeholders the renderer fills', () => {
    expect([...TEMPLATE_PLACEHOLDERS]).toEqual(['team', 'count', 'oldestDays', 'tier', 'consumers']);
  });

  it('rejects an unknown placeholder, naming it and the allowed ones', () => {
    expect(errorsOf(withTemplate('Hi {{owner}}, {{count}} left'))).toEqual([
      'tiers[0].template: unknown placeholder {{owner}}; allowed: {{team}}, {{count}}, {{oldestDays}}, {{tier}}, {{consumers}}',
    ]);
  });

  it('rejects a placeholder with spaces, which the renderer would not replace', () => {
    expect(errorAt(withTemplate('{{ team }}'), 'tiers[0].template')).toContain('unknown placeholder {{ team }}');
  });

  it('rejects unbalanced braces', () => {
    expect(errorAt(withTemplate('{{team} has work'), 'tiers[0].template')).toContain('unbalanced "{{" or "}}"');
  });

  it.each(['<!channel>', '<!everyone>', '<!here>', '<!here|here>'])('rejects the broadcast %s', (broadcast) => {
    expect(errorsOf(withTemplate(`${broadcast} rotate now`))).toEqual([
      `tiers[0].template: ${broadcast} pings everyone in the channel: use the tier's mention setting instead ("mention": "team" or "here")`,
    ]);
  });

  it('accepts links and user-group mentions that are not broadcasts', () => {
    expect(configOf(withTemplate('<!subteam^S0123ABCD> see <https://wiki.example.com/rotation|the runbook>')).tiers).toHaveLength(1);
  });

  it('accepts 2000 characters and rejects 2001', () => {
    expect(configOf(withTemplate('x'.repeat(2000))).tiers).toHaveLength(1);
    expect(errorAt(withTemplate('x'.repeat(2001)), 'tiers[0].template')).toBe(
      'tiers[0].template: expected at most 2000 characters, got 2001',
    );
  });

  it('rejects an empty template', () => {
    expect(errorAt(withTemplate(''), 'tiers[0].template')).toBe(
      'tiers[0].template: expected template text; remove the key to use the built-in wording',
    );
  });
});

describe('validateConfig: teams', () => {
  it('accepts channel ids, #names, user-group and user mentions', () => {
    const teams = {
      payments: { channel: 'C04PAYMENTS', mention: 'S05PAYONCALL' },
      identity: { channel: '#identity-alerts', mention: 'U02IDLEAD' },
      search: { channel: 'G0PRIVATE', mention: 'W0ENTERPRISE' },
      infra: { channel: '#infra.on-call_2' },
    };
    expect(configOf({ teams }).teams).toEqual(teams);
  });

  it('suggests the #name when the # is missing', () => {
    expect(errorsOf({ teams: { payments: { channel: 'payments' } } })).toEqual([
      'teams.payments.channel: expected a channel id like "C0123ABCD" or a channel name like "#payments-alerts", got "payments" (did you mean "#payments"?)',
    ]);
  });

  it('suggests the lowercase #name (Slack channel names are lowercase)', () => {
    expect(errorAt({ teams: { payments: { channel: '#Payments' } } }, 'teams.payments.channel')).toContain('(did you mean "#payments"?)');
  });

  it.each([
    ['c06search01', 'C06SEARCH01'],
    ['C06search01', 'C06SEARCH01'],
    ['g01private9', 'G01PRIVATE9'],
  ])('suggests a channel id typed in lowercase (%j) as the id, not as a #name', (channel, id) => {
    const error = errorAt({ teams: { search: { channel } } }, 'teams.search.channel');
    expect(error).toContain(`(did you mean the channel id "${id}"?)`);
    expect(error).not.toContain('did you mean "#');
  });

  it('still suggests the #name for a word that only starts like an id', () => {
    expect(errorAt({ teams: { dev: { channel: 'dev-alerts' } } }, 'teams.dev.channel')).toContain('(did you mean "#dev-alerts"?)');
    expect(errorAt({ teams: { ops: { channel: 'general2' } } }, 'teams.ops.channel')).toContain('(did you mean "#general2"?)');
  });

  it.each(['#', 'c0123', 'C1', '#a b', 'https://slack.com/archives/C0123'])('rejects the channel %j', (channel) => {
    expect(errorAt({ teams: { payments: { channel } } }, 'teams.payments.channel')).toContain(
      'expected a channel id like "C0123ABCD" or a channel name like "#payments-alerts"',
    );
  });

  it('requires a channel', () => {
    expect(errorsOf({ teams: { payments: { mention: 'S0123' } } })).toEqual([
      'teams.payments.channel: missing: expected a channel id like "C0123ABCD" or a channel name like "#payments-alerts"',
    ]);
  });

  it.each(['@payments-oncall', 'payments', 'C0123ABCD', 's0123'])('rejects the mention %j and explains the id forms', (mention) => {
    expect(errorAt({ teams: { payments: { channel: '#payments', mention } } }, 'teams.payments.mention')).toContain(
      'expected a user group id like "S0123ABCD" or a user id like "U0123ABCD"',
    );
  });

  it('writes a team key that is not a plain name in brackets', () => {
    expect(errorsOf({ teams: { 'core platform': { channel: 'core' } } })[0]).toMatch(/^teams\["core platform"\]\.channel: /);
  });

  it('rejects an empty team key', () => {
    expect(errorsOf({ teams: { '': { channel: '#x' } } })).toEqual([
      'teams[""]: team keys are the owner_team values of the inventory and cannot be empty',
    ]);
  });

  it('rejects teams written as a list', () => {
    expect(errorAt({ teams: [{ channel: '#x' }] }, 'teams')).toContain('got a list');
  });
});

describe('validateConfig: fallbackChannel', () => {
  it('accepts a channel', () => {
    expect(configOf({ fallbackChannel: '#security-rotation' }).fallbackChannel).toBe('#security-rotation');
  });

  it('rejects something that is not a channel', () => {
    expect(errorAt({ fallbackChannel: 'security' }, 'fallbackChannel')).toContain('(did you mean "#security"?)');
  });
});

describe('validateConfig: digest', () => {
  it.each([
    [{ channel: '#security-leads' }],
    [{ channel: 'C0SECURITY' }],
    [{ user: 'U0LEAD' }],
    [{ user: 'W0LEAD' }],
    [{ email: 'security-lead@example.com' }],
  ])('accepts %j', (digest) => {
    expect(configOf({ digest }).digest).toEqual(digest);
  });

  it('rejects no destination', () => {
    expect(errorsOf({ digest: {} })).toEqual(['digest: set exactly one of digest.channel, digest.user or digest.email; got none']);
  });

  it('rejects two destinations', () => {
    expect(errorsOf({ digest: { channel: '#security-leads', email: 'lead@example.com' } })).toEqual([
      'digest: set exactly one of digest.channel, digest.user or digest.email; got digest.channel and digest.email',
    ]);
  });

  it('checks the destination it was given', () => {
    expect(errorAt({ digest: { user: 'S0GROUP' } }, 'digest.user')).toContain('expected a user id like "U0123ABCD"');
    expect(errorAt({ digest: { email: 'lead' } }, 'digest.email')).toBe(
      'digest.email: expected an email address like "security-lead@example.com", got "lead"',
    );
    expect(errorAt({ digest: { channel: 'leads' } }, 'digest.channel')).toContain('(did you mean "#leads"?)');
  });

  it('rejects a digest written as a bare channel', () => {
    expect(errorsOf({ digest: '#security-leads' })).toEqual([
      'digest: expected an object with one destination like { "channel": "#security-leads" }, got "#security-leads"',
    ]);
  });
});

describe('validateConfig: slack', () => {
  it.each([
    ['concurrency', 1, 50],
    ['timeoutMs', 1_000, 120_000],
    ['retries', 0, 10],
    ['maxRetryAfterSeconds', 1, 900],
    ['perChannelIntervalMs', 0, 60_000],
  ])('bounds slack.%s to whole numbers from %i to %i', (key, min, max) => {
    expect(configOf({ slack: { [key]: min } }).slack).toMatchObject({ [key]: min });
    expect(configOf({ slack: { [key]: max } }).slack).toMatchObject({ [key]: max });
    for (const bad of [min - 1, max + 1, min + 0.5]) {
      expect(errorAt({ slack: { [key]: bad } }, `slack.${key}`)).toBe(
        `slack.${key}: expected a whole number from ${min} to ${max}, got ${bad}`,
      );
    }
  });

  it('refuses a token in the file and says where it belongs', () => {
    expect(errorsOf({ slack: { token: 'xoxb-123-456' } })).toEqual([
      'slack.token: the token is read only from the SLACK_BOT_TOKEN environment variable; remove it from the file',
    ]);
  });

  it('never repeats the token it refuses', () => {
    expect(errorsOf({ slack: { token: 'xoxb-123-456' }, slackToken: 'xoxb-789' }).join('\n')).not.toMatch(/xoxb/);
  });
});

describe('validateConfig: escalation and budget', () => {
  const ladder = (extra: Record<string, unknown>) => ({ tiers: [{ name: 'gentle', afterDaysOverdue: 0, every: '24h', ...extra }] });

  it('turns a tier’s escalateAfterIgnored, escalateTo and chain into one chain, ignoredAfter defaulting to the cadence', () => {
    expect(
      configOf(ladder({ escalateAfterIgnored: 3, escalateTo: 'S0LEADS', chain: ['U0DIRECTOR', '#security-leads'] })).tiers[0]?.escalation,
    ).toEqual({
      afterIgnored: 3,
      ignoredAfterMs: 86_400_000,
      chain: [
        { kind: 'usergroup', id: 'S0LEADS' },
        { kind: 'user', id: 'U0DIRECTOR' },
        { kind: 'channel', channel: '#security-leads' },
      ],
    });
    expect(configOf(ladder({ escalateAfterIgnored: 2, ignoredAfter: '2d' })).tiers[0]?.escalation).toEqual({
      afterIgnored: 2,
      ignoredAfterMs: 172_800_000,
      chain: [{ kind: 'lead' }],
    });
  });

  it('refuses escalateTo without escalateAfterIgnored, and @names as targets', () => {
    expect(errorsOf(ladder({ escalateTo: 'lead' }))).toEqual([
      'tiers[0].escalateTo: escalateTo has no effect without escalateAfterIgnored on this tier; add it or remove escalateTo',
    ]);
    expect(errorsOf(ladder({ escalateAfterIgnored: 3, escalateTo: '@payments-manager' }))[0]).toMatch(
      /^tiers\[0\]\.escalateTo: expected "lead", a user group id/,
    );
    expect(errorsOf(ladder({ escalateAfterIgnored: 0 }))[0]).toMatch(
      /^tiers\[0\]\.escalateAfterIgnored: expected a whole number of ignored nudges from 1 to 100/,
    );
  });

  it('takes a team’s own chain and budget', () => {
    const config = configOf({ teams: { payments: { channel: '#pay', escalateTo: 'U0MANAGER', maxMessagesPerTeamPerWeek: 4 } } });
    expect(config.teams['payments']).toEqual({ channel: '#pay', escalateTo: [{ kind: 'user', id: 'U0MANAGER' }], maxMessagesPerWeek: 4 });
  });

  it('budgetExempt must name tiers of the ladder; its default follows the ladder', () => {
    expect(configOf({ maxMessagesPerTeamPerWeek: 5 }).budget).toEqual({ maxPerWeek: 5, exemptTiers: ['critical'] });
    expect(configOf(ladder({})).budget).toEqual({ maxPerWeek: null, exemptTiers: [] });
    expect(errorsOf({ ...ladder({}), budgetExempt: ['critical'] })).toEqual([
      'budgetExempt[0]: "critical" is not a tier; tiers are gentle',
    ]);
  });
});
