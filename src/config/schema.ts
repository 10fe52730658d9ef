import { z } from 'zod';
import {
  DEFAULT_ANSWERS,
  DEFAULT_COLUMNS,
  DEFAULT_THREAD_MAX_AGE_DAYS,
  DEFAULT_THREADS,
  DEFAULT_DATABASE,
  DEFAULT_DONE_STATUSES,
  DEFAULT_PENDING_STATUSES,
  DEFAULT_DIGEST_EVERY,
  DEFAULT_SLACK,
  DEFAULT_TABLE,
  DEFAULT_TIERS_AS_WRITTEN,
  LIMITS,
} from './defaults.js';
import { DURATION_PATTERN, parseDuration } from './duration.js';
import {
  CHANNEL,
  CHANNEL_NAME,
  channelIdInWrongCase,
  ESCALATION_TARGET,
  MENTION_TARGET,
  POSTGRES_URL,
  RESERVED_TIER_NAMES,
  SQL_IDENTIFIER,
  TABLE_NAME,
  TEMPLATE_PLACEHOLDERS,
  TIER_NAME,
  USER_ID,
  isPostgresUrl,
} from './identifiers.js';
import { calendarDefaults, calendarFields, DEFAULT_CALENDAR, digestTiming, overdueClock } from './calendar-schema.js';
import { expected, expectedWithoutEcho, fallbackError, formatIssues, show, type ErrorFn } from './issues.js';
import type { AnswersConfig, CalendarSettings, Config, DigestDestination, EscalationTarget, TeamRoute, Tier } from './types.js';

/**
 * The configuration rules, written once: `validateConfig` checks user input against them and
 * `configJsonSchema` (json-schema.ts) turns the same schema into a JSON Schema for editors. The
 * schema describes what a user WRITES (input side, defaults applied); `toConfig` then derives
 * the shape every command receives (types.ts).
 */

const ALLOWED_PLACEHOLDERS = TEMPLATE_PLACEHOLDERS.map((name) => `{{${name}}}`).join(', ');

// ---- single values ---------------------------------------------------------------------------

function wholeNumber(limits: { min: number; max: number }, fallback: number, description: string) {
  const error = expected(`a whole number from ${limits.min} to ${limits.max}`);
  return z.int({ error }).min(limits.min, { error }).max(limits.max, { error }).default(fallback).describe(description);
}

/** The rarer ways a name can look plain yet fail, said only when they apply. */
function identifierHint(input: unknown): string | undefined {
  if (typeof input !== 'string') return undefined;
  if (/^[0-9]/.test(input)) return 'it may not start with a digit';
  if (input.split('.').some((part) => part.length > 63)) return 'at most 63 characters';
  return undefined;
}

const identifierError = expected('a plain SQL identifier (letters, digits, _)', identifierHint);

function column(fallback: string, description: string) {
  return z.string({ error: identifierError }).regex(SQL_IDENTIFIER, { error: identifierError }).default(fallback).describe(description);
}

/** Names a likely fix for the commonest channel mistakes (missing "#", capitals, an id in lowercase). */
const channelError: ErrorFn = (issue) => {
  const base = expected('a channel id like "C0123ABCD" or a channel name like "#payments-alerts"')(issue);
  if (typeof issue.input !== 'string') return base;
  const id = channelIdInWrongCase(issue.input);
  if (id !== undefined) return `${base} (did you mean the channel id "${id}"?)`;
  const guess = `#${issue.input.replace(/^#/, '').toLowerCase()}`;
  return CHANNEL_NAME.test(guess) && guess !== issue.input ? `${base} (did you mean "${guess}"?)` : base;
};

function channel(description: string) {
  return z.string({ error: channelError }).regex(CHANNEL, { error: channelError }).describe(description);
}

const mentionError = expected(
  'a user group id like "S0123ABCD" or a user id like "U0123ABCD"',
  'ids, not @names: a member\'s id is under "Copy member ID" in their profile, a user group\'s id is in the URL of its page',
);

const userIdError = expected('a user id like "U0123ABCD"', 'not an @name: it is under "Copy member ID" in the profile');

const durationError = expected('a positive duration like "24h" or "3d"', 'units: ms, s, m, h, d, w; combine them as "1d12h"');

const escalationTargetError = expected(
  '"lead", a user group id like "S0123ABCD", a user id like "U0123ABCD" or a channel like "#payments-leads"',
  'ids, not @names: a member\'s id is under "Copy member ID" in their profile',
);

const escalationTarget = z
  .string({ error: escalationTargetError })
  .regex(ESCALATION_TARGET, { error: escalationTargetError })
  .describe(
    '"lead" (the digest\'s recipient), a user (U…/W…: sent a DM), a user group (S…: mentioned in a post to the digest\'s recipient, or fallbackChannel without a digest), or a channel (C…/#name) to post to.',
  );

const escalationChain = z
  .array(escalationTarget, { error: expected('a list of escalation targets like ["U0DIRECTOR", "lead"]') })
  .max(10, { error: 'expected at most 10 further steps' });

const budgetLimitError = expected('a whole number of messages from 0 to 1000');
const budgetLimit = z.int({ error: budgetLimitError }).min(0, { error: budgetLimitError }).max(1000, { error: budgetLimitError });

const duration = z
  .string({ error: durationError })
  .refine((text) => parseDuration(text) !== null, { error: durationError })
  .meta({ pattern: DURATION_PATTERN });

const BROADCAST = /<!(channel|everyone|here)(\|[^>]*)?>/g;
const PLACEHOLDER = /\{\{([^{}]*)\}\}/g;

const templateError = expected(`mrkdwn text of at most ${LIMITS.templateLength.max} characters`);

const template = z
  .string({ error: templateError })
  .min(1, { error: 'expected template text; remove the key to use the built-in wording' })
  .max(LIMITS.templateLength.max, {
    error: (issue) => `expected at most ${LIMITS.templateLength.max} characters, got ${String((issue.input as string).length)}`,
  })
  .superRefine((text, ctx) => {
    const unknown = new Set<string>();
    for (const [whole, name] of text.matchAll(PLACEHOLDER)) {
      if (!(TEMPLATE_PLACEHOLDERS as readonly string[]).includes(name ?? '')) unknown.add(whole);
    }
    for (const placeholder of unknown) {
      ctx.addIssue({ code: 'custom', message: `unknown placeholder ${placeholder}; allowed: ${ALLOWED_PLACEHOLDERS}` });
    }
    // A lone "{{" would be sent to Slack as literal braces: almost certainly a typo.
    const leftover = text.replace(PLACEHOLDER, '');
    if (leftover.includes('{{') || leftover.includes('}}')) {
      ctx.addIssue({ code: 'custom', message: `unbalanced "{{" or "}}"; placeholders are written ${ALLOWED_PLACEHOLDERS}` });
    }
    for (const broadcast of new Set(Array.from(text.matchAll(BROADCAST), ([whole]) => whole))) {
      ctx.addIssue({
        code: 'custom',
        message: `${broadcast} pings everyone in the channel: use the tier's mention setting instead ("mention": "team" or "here")`,
      });
    }
  })
  .describe(
    `Slack mrkdwn replacing the built-in wording of this tier's message. Placeholders: ${ALLOWED_PLACEHOLDERS}. ` +
      'No <!channel>/<!everyone>/<!here>: use "mention" instead.',
  );

// ---- sections --------------------------------------------------------------------------------

const databaseUrlError = expectedWithoutEcho('a postgres:// URL (postgres://user@host:5432/dbname; the password can come from PGPASSWORD)');

const database = z
  .strictObject(
    {
      url: z
        .string({ error: databaseUrlError })
        .refine(isPostgresUrl, { error: databaseUrlError })
        .meta({ pattern: POSTGRES_URL.source })
        .optional()
        .describe('Postgres connection URL. DATABASE_URL overrides it; PG* variables (PGPASSWORD, …) also apply.'),
      connectTimeoutSeconds: wholeNumber(
        LIMITS.connectTimeoutSeconds,
        DEFAULT_DATABASE.connectTimeoutSeconds,
        'Seconds to wait for a connection before giving up (exit 69).',
      ),
      statementTimeoutMs: wholeNumber(
        LIMITS.statementTimeoutMs,
        DEFAULT_DATABASE.statementTimeoutMs,
        "Postgres statement_timeout for chaser's queries, in milliseconds.",
      ),
    },
    { error: expected('an object like { "url": "postgres://…" }') },
  )
  .prefault({})
  .describe("Where the inventory and chaser's own tables live.");

const columns = z
  .strictObject(
    {
      id: column(DEFAULT_COLUMNS.id, 'Stable consumer id (any type: text, integer, uuid).'),
      name: column(DEFAULT_COLUMNS.name, 'Human name of the service, job or client.'),
      team: column(DEFAULT_COLUMNS.team, 'Owning team key, routed to Slack by "teams".'),
      keyId: column(DEFAULT_COLUMNS.keyId, 'The revoked key the consumer must move off.'),
      status: column(DEFAULT_COLUMNS.status, 'Status column; see "pendingStatuses" and "doneStatuses".'),
      deadline: column(DEFAULT_COLUMNS.deadline, 'When the consumer had to be on the new key (timestamptz).'),
      snoozedUntil: column(
        DEFAULT_COLUMNS.snoozedUntil,
        'No nudges before this instant. A table without this column simply has no snoozing.',
      ),
      lastSeenOnOldKey: z
        .string({ error: identifierError })
        .regex(SQL_IDENTIFIER, { error: identifierError })
        .optional()
        .describe(
          'Optional: when the consumer last used the revoked key (timestamptz, timestamp, date or ISO text; e.g. a view over ' +
            'AWS last-used, Vault audit or gateway logs). A claim contradicted by it re-escalates at once; a consumer quiet ' +
            'on the old key for answers.quietFor is flagged "looks done". Unset: no evidence is read.',
        ),
    },
    { error: expected('an object mapping each field to a column name') },
  )
  .prefault({})
  .describe('Column names in the inventory table, each overridable on its own. Used exactly as written (case-sensitive).');

const tableError = expected(
  'a plain SQL identifier (letters, digits, _), optionally schema-qualified like "inventory.consumers"',
  identifierHint,
);

const pendingStatusError = expected('a non-empty status text like "pending"');
const doneStatusError = expected('a non-empty status text like "confirmed"');

/** A value listed as both pending and done would be chased and not chased at once: say which, at its place in doneStatuses. */
function checkStatusLists(value: unknown, ctx: z.core.$RefinementCtx<unknown>): void {
  const pending = field(value, 'pendingStatuses');
  const done = field(value, 'doneStatuses');
  if (!Array.isArray(done)) return;
  const pendingList = Array.isArray(pending) ? pending : [...DEFAULT_PENDING_STATUSES];
  done.forEach((status, index) => {
    if (typeof status !== 'string') return;
    const at = pendingList.indexOf(status);
    if (at < 0) return;
    ctx.addIssue({
      code: 'custom',
      path: ['doneStatuses', index],
      message: `${show(status)} is also pendingStatuses[${at}]; a status is either pending or done, not both`,
    });
  });
}

const source = z
  .strictObject(
    {
      table: z
        .string({ error: tableError })
        .regex(TABLE_NAME, { error: tableError })
        .default(DEFAULT_TABLE)
        .describe('Inventory table, optionally schema-qualified ("inventory.consumers"). chaser only reads it.'),
      columns,
      pendingStatuses: z
        .array(z.string({ error: pendingStatusError }).min(1, { error: pendingStatusError }), {
          error: expected('a list of statuses like ["pending"]'),
        })
        .min(1, { error: 'expected at least one status; remove the key to use ["pending"]' })
        .default([...DEFAULT_PENDING_STATUSES])
        .describe('Statuses that mean "still on the revoked key": these consumers are chased.'),
      doneStatuses: z
        .array(z.string({ error: doneStatusError }).min(1, { error: doneStatusError }), {
          error: expected('a list of statuses like ["confirmed", "exempt"]'),
        })
        .min(1, { error: 'expected at least one status; remove the key to use ["confirmed", "exempt"]' })
        .default([...DEFAULT_DONE_STATUSES])
        .describe(
          'Statuses that mean "done": moved to the new key (the first, which messages ask for) or exempt. ' +
            'A status in neither list is never treated as done: it is reported and keeps the gate failing.',
        ),
    },
    { error: expected('an object like { "table": "rotation_consumers" }') },
  )
  .superRefine(checkStatusLists, { when: () => true })
  .prefault({})
  .describe('Where the consumers are read from: an existing table is mapped here, never by editing the SQL.');

const tierNameError = expected('a lowercase name like "urgent" (a-z, 0-9, _ and -; starting with a letter; at most 32)');

const tier = z
  .strictObject(
    {
      name: z
        .string({ error: tierNameError })
        .regex(TIER_NAME, { error: tierNameError })
        .refine((name) => !RESERVED_TIER_NAMES.includes(name), {
          error: (issue) => `${show(issue.input)} is reserved by --fail-on (${RESERVED_TIER_NAMES.join(', ')}); choose another name`,
        })
        .describe('Tier name, as used by --fail-on and shown in messages.'),
      afterDaysOverdue: z
        .number({ error: expected('a number of days ≥ 0, like 7 (fractions allowed)') })
        .min(0, { error: expected('a number of days ≥ 0, like 7 (fractions allowed)') })
        .describe('Consumers enter this tier once at least this many days past their deadline. The first tier must be 0.'),
      every: duration.describe(
        'Least time between two nudges of one consumer in this tier: "72h", "1d", "1d12h", "90m" (units ms, s, m, h, d, w).',
      ),
      mention: z
        .enum(['none', 'team', 'here'], { error: expected('"none", "team" (the team\'s mention) or "here"') })
        .default('none')
        .describe('"none"; "team": mention the team\'s "mention" (user group or user); "here": @here.'),
      template: template.optional(),
      escalateAfterIgnored: z
        .int({ error: expected('a whole number of ignored nudges from 1 to 100') })
        .min(1, { error: expected('a whole number of ignored nudges from 1 to 100') })
        .max(100, { error: expected('a whole number of ignored nudges from 1 to 100') })
        .optional()
        .describe('Escalate past the team after this many nudges in a row went unanswered, and one step up the chain per further as many.'),
      ignoredAfter: duration
        .optional()
        .describe('How long a nudge may go unanswered before it counts as ignored (default: this tier\'s "every").'),
      escalateTo: escalationTarget.optional().describe('Who is escalated to first (default "lead"); a team\'s own escalateTo wins.'),
      chain: escalationChain.optional().describe('Further steps, one per further escalateAfterIgnored ignored nudges; the last repeats.'),
    },
    { error: expected('a tier object like { "name": "firm", "afterDaysOverdue": 3, "every": "24h" }') },
  )
  .superRefine((value, ctx) => {
    if (value.escalateAfterIgnored !== undefined) return;
    for (const key of ['escalateTo', 'chain', 'ignoredAfter'] as const) {
      if (value[key] !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `${key} has no effect without escalateAfterIgnored on this tier; add it or remove ${key}`,
        });
      }
    }
  })
  .describe('An escalation tier.');

function validNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

function field(entry: unknown, key: string): unknown {
  return typeof entry === 'object' && entry !== null ? (entry as Record<string, unknown>)[key] : undefined;
}

/** Rules across tiers. Runs even when single tiers have problems (so every problem is listed), hence the defensive reads. */
function checkTierLadder(list: unknown, ctx: z.core.$RefinementCtx<unknown[]>): void {
  if (!Array.isArray(list)) return;
  const first = validNumber(field(list[0], 'afterDaysOverdue'));
  if (first !== undefined && first !== 0) {
    ctx.addIssue({
      code: 'custom',
      path: [0, 'afterDaysOverdue'],
      message: `the first tier must start at 0, so every overdue consumer has a tier; got ${first}`,
    });
  }
  let highest: number | undefined;
  const seenNames = new Map<string, number>();
  list.forEach((entry, index) => {
    const days = validNumber(field(entry, 'afterDaysOverdue'));
    if (days !== undefined) {
      if (highest !== undefined && days <= highest) {
        ctx.addIssue({
          code: 'custom',
          path: [index, 'afterDaysOverdue'],
          message: `tiers must be ordered by afterDaysOverdue, ascending: ${days} is not after ${highest}`,
        });
      }
      highest = Math.max(highest ?? days, days);
    }
    const name = field(entry, 'name');
    if (typeof name === 'string') {
      const earlier = seenNames.get(name);
      if (earlier !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: [index, 'name'],
          message: `${show(name)} is already the name of tiers[${earlier}]; tier names must be unique`,
        });
      } else {
        seenNames.set(name, index);
      }
    }
  });
}

/** budgetExempt names tiers: each must be one of the ladder's. */
function checkBudgetExempt(value: unknown, ctx: z.core.$RefinementCtx<unknown>): void {
  const exempt = field(value, 'budgetExempt');
  if (!Array.isArray(exempt)) return;
  const ladder = field(value, 'tiers');
  const names = Array.isArray(ladder) ? ladder.map((entry) => field(entry, 'name')) : DEFAULT_TIERS_AS_WRITTEN.map((t) => t.name);
  exempt.forEach((name, index) => {
    if (typeof name === 'string' && !names.includes(name)) {
      ctx.addIssue({
        code: 'custom',
        path: ['budgetExempt', index],
        message: `${show(name)} is not a tier; tiers are ${names.filter((n) => typeof n === 'string').join(', ')}`,
      });
    }
  });
}

const tiers = z
  .array(tier, { error: expected('a list of tiers') })
  .min(1, { error: 'expected at least one tier; remove the key to use the default ladder' })
  .superRefine(checkTierLadder, { when: () => true })
  .default(DEFAULT_TIERS_AS_WRITTEN.map((t) => ({ ...t })))
  .describe(
    'Escalation ladder, ordered by afterDaysOverdue (first at 0). A consumer is in the last tier whose afterDaysOverdue it has reached.',
  );

const teams = z
  .record(
    z.string().min(1),
    z
      .strictObject(
        {
          channel: channel("Channel id (C…/G…) or #name the team's nudges are posted to."),
          mention: z
            .string({ error: mentionError })
            .regex(MENTION_TARGET, { error: mentionError })
            .optional()
            .describe('User group (S…) or user (U…/W…) mentioned on tiers whose mention is "team".'),
          ...calendarFields,
          escalateTo: escalationTarget.optional().describe("The team's own first escalation step (its manager or on-call lead)."),
          chain: escalationChain.optional().describe("The team's own further escalation steps."),
          maxMessagesPerTeamPerWeek: budgetLimit.optional().describe("This team's message budget, overriding the top-level one."),
        },
        { error: expected('a route like { "channel": "#payments-alerts" }') },
      )
      .describe('Slack route of one team.'),
    {
      error: (issue) =>
        issue.code === 'invalid_key'
          ? 'team keys are the owner_team values of the inventory and cannot be empty'
          : expected('an object of team routes like { "payments": { "channel": "#payments-alerts" } }')(issue),
    },
  )
  .default({})
  .describe("Slack route per team key (the inventory's owner_team values).");

const DIGEST_KEYS = ['channel', 'user', 'email'] as const;
const digestCountMessage = 'set exactly one of digest.channel, digest.user or digest.email';

const digest = z
  .strictObject(
    {
      channel: channel('Post the digest into this channel.').optional(),
      user: z
        .string({ error: userIdError })
        .regex(USER_ID, { error: userIdError })
        .optional()
        .describe('Send the digest as a direct message to this user id.'),
      email: z
        .email({ error: expected('an email address like "security-lead@example.com"') })
        .optional()
        .describe('Send the digest as a direct message to the Slack user with this email.'),
      every: duration
        .default(DEFAULT_DIGEST_EVERY)
        .describe(
          'A sweep sends its digest at most once per this period ("1d", "12h"; a scheduler starting a little early is forgiven as for tiers); `chaser digest` always sends.',
        ),
      ...digestTiming,
    },
    { error: expected('an object with one destination like { "channel": "#security-leads" }') },
  )
  .superRefine(
    (value, ctx) => {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return;
      const given = DIGEST_KEYS.filter((key) => (value as Record<string, unknown>)[key] !== undefined);
      if (given.length !== 1) {
        const got = given.length === 0 ? 'none' : given.map((key) => `digest.${key}`).join(' and ');
        ctx.addIssue({ code: 'custom', message: `${digestCountMessage}; got ${got}` });
      }
    },
    { when: () => true },
  )
  // JSON Schema cannot say "exactly one of three optional keys" in strict-object terms any simpler.
  .meta({ minProperties: 1 })
  .describe(
    'Where the summary of everything outstanding goes: exactly one of channel, user, email; how often a sweep sends it (every) and optionally when (at, timezone).',
  );

const slackIntervalDescription = 'Least time between two posts into the same channel, in ms (Slack allows about 1 per second).';

const slack = z
  .strictObject(
    {
      concurrency: wholeNumber(LIMITS.concurrency, DEFAULT_SLACK.concurrency, 'Messages in flight at once, across different channels.'),
      timeoutMs: wholeNumber(LIMITS.timeoutMs, DEFAULT_SLACK.timeoutMs, 'Per-attempt HTTP timeout, in ms.'),
      retries: wholeNumber(
        LIMITS.retries,
        DEFAULT_SLACK.retries,
        'Retries of a call Slack provably did not act on (could not connect, HTTP 503), and of read-only calls; a post whose answer was lost is never retried.',
      ),
      maxRetryAfterSeconds: wholeNumber(
        LIMITS.maxRetryAfterSeconds,
        DEFAULT_SLACK.maxRetryAfterSeconds,
        'Longest Retry-After honoured; a longer one fails the delivery instead of stalling the job.',
      ),
      perChannelIntervalMs: wholeNumber(LIMITS.perChannelIntervalMs, DEFAULT_SLACK.perChannelIntervalMs, slackIntervalDescription),
    },
    { error: expected('an object like { "concurrency": 8 }') },
  )
  .prefault({})
  .describe('Slack delivery settings. The token is read only from SLACK_BOT_TOKEN, never from this file.');

const reactionError = expected('an emoji name without colons, like "white_check_mark"');
function reaction(fallback: string, description: string) {
  return z
    .string({ error: reactionError })
    .regex(/^[a-z0-9_+'-]{1,100}$/, { error: reactionError })
    .default(fallback)
    .describe(description);
}

const whoError = expected('"team", "anyone" or a list of user ids like ["U0123ABCD"]');

const answers = z
  .strictObject(
    {
      who: z
        .union([z.enum(['team', 'anyone']), z.array(z.string().regex(USER_ID, { error: userIdError })).min(1)], { error: whoError })
        .default(DEFAULT_ANSWERS.who)
        .describe(
          'Who may answer in a team\'s thread: "team" (members of the team\'s mention user group; the user, when mention is a user; any person when it has none), ' +
            '"anyone" (any person in the channel), or a list of user ids. Bots never count.',
        ),
      reactions: z
        .strictObject(
          {
            done: reaction(DEFAULT_ANSWERS.reactions.done, 'Reaction meaning "done" for every consumer the message listed.'),
            snooze: reaction(DEFAULT_ANSWERS.reactions.snooze, 'Reaction meaning "snooze" (for maxSnooze).'),
            notOurs: reaction(DEFAULT_ANSWERS.reactions.notOurs, 'Reaction meaning "not ours" (disputed).'),
          },
          { error: expected('an object like { "done": "white_check_mark" }') },
        )
        .prefault({})
        .describe('The reactions chaser reads as answers.'),
      claimGrace: duration
        .default(DEFAULT_ANSWERS.claimGrace)
        .describe('How long "done" stops the nudging; still pending in the inventory after it, chasing resumes one tier higher.'),
      maxSnooze: duration
        .default(DEFAULT_ANSWERS.maxSnooze)
        .describe('Longest snooze honoured; a longer request is honoured this long and listed in the digest for the security lead.'),
      quietFor: duration
        .default(DEFAULT_ANSWERS.quietFor)
        .describe(
          'With source.columns.lastSeenOnOldKey: a pending consumer not seen on the old key for this long is flagged to its team ' +
            'as "looks done — confirm in the inventory". Longer than a week, so a weekly job is not flagged between its runs.',
        ),
    },
    { error: expected('an object like { "who": "team", "claimGrace": "2d" }') },
  )
  .prefault({})
  .describe('Answers read back from the team threads (reactions and replies) and what they do.');

/** What a user writes. Exported for the JSON Schema; everything else should call `validateConfig`. */
export const configSchema = z
  .strictObject(
    {
      $schema: z
        .string({ error: expected('the path or URL of the JSON Schema, for editors') })
        .optional()
        .describe('JSON Schema for editor completion, e.g. "./node_modules/rotation-chaser/schema/chaser.config.schema.json".'),
      database,
      source,
      tiers,
      teams,
      calendar: calendarDefaults,
      overdueClock,
      fallbackChannel: channel(
        'Where nudges for a team with no route go (the digest lists them as unrouted); also where a team\'s nudge goes when its own channel fails, and where routing disputes ("not ours") are posted once each for the lead.',
      ).optional(),
      digest: digest.optional(),
      slack,
      maxMessagesPerTeamPerWeek: budgetLimit
        .optional()
        .describe(
          'At most this many chaser messages a team receives in any 7 days, across campaigns; over it nudges are held back (counted).',
        ),
      budgetExempt: z
        .array(z.string({ error: tierNameError }).regex(TIER_NAME, { error: tierNameError }), {
          error: expected('a list of tier names like ["critical"]'),
        })
        .optional()
        .describe('Tiers whose messages the budget never holds back (default ["critical"] when the ladder has it).'),
      threads: z
        .enum(['reply', 'off'], { error: expected('"reply" (one living thread per team) or "off" (a new message per run)') })
        .default(DEFAULT_THREADS)
        .describe('"reply": one living thread per team, answers read back on the next run; "off": a new top-level message per run.'),
      threadMaxAgeDays: wholeNumber(
        LIMITS.threadMaxAgeDays,
        DEFAULT_THREAD_MAX_AGE_DAYS,
        'A thread older than this many days is replaced by a new parent that links the old one.',
      ),
      answers,
    },
    { error: expected('an object of settings (write {} to use every default)') },
  )
  .superRefine(checkBudgetExempt, { when: () => true })
  .describe(
    'chaser: nudges the teams whose consumers still use a revoked key. Found as chaser.config.json, ' +
      '.chaserrc(.json|.yaml|.yml), chaser.config.(js|mjs|cjs|ts) or a "chaser" key in package.json; ' +
      'every key is optional.',
  );

type ParsedConfig = z.output<typeof configSchema>;

// ---- output ----------------------------------------------------------------------------------

function toDigest(parsed: NonNullable<ParsedConfig['digest']>): DigestDestination {
  if (parsed.channel !== undefined) return { channel: parsed.channel };
  if (parsed.user !== undefined) return { user: parsed.user };
  return { email: parsed.email as string };
}

function digestPeriodOf(every: string): Config['digestPeriod'] {
  // Validated above (or the default): parseDuration of it is never null.
  return { every, everyMs: parseDuration(every) as number };
}

function toCalendar(parsed: ParsedConfig['calendar']): CalendarSettings {
  return {
    timezone: parsed?.timezone ?? DEFAULT_CALENDAR.timezone,
    workdays: [...(parsed?.workdays ?? DEFAULT_CALENDAR.workdays)],
    hours: { ...(parsed?.hours ?? DEFAULT_CALENDAR.hours) },
    holidays: [...(parsed?.holidays ?? DEFAULT_CALENDAR.holidays)],
    outsideHours: parsed?.outsideHours ?? DEFAULT_CALENDAR.outsideHours,
  };
}

/** Only the calendar keys a team wrote itself, so the rest follow the defaults. */
function teamCalendar(route: ParsedConfig['teams'][string]): Partial<CalendarSettings> | undefined {
  const own: Partial<CalendarSettings> = {};
  if (route.timezone !== undefined) own.timezone = route.timezone;
  if (route.workdays !== undefined) own.workdays = [...route.workdays];
  if (route.hours !== undefined) own.hours = { ...route.hours };
  if (route.holidays !== undefined) own.holidays = [...route.holidays];
  if (route.outsideHours !== undefined) own.outsideHours = route.outsideHours;
  return Object.keys(own).length === 0 ? undefined : own;
}

function toTier(parsed: ParsedConfig['tiers'][number]): Tier {
  const tier: Tier = {
    name: parsed.name,
    afterDaysOverdue: parsed.afterDaysOverdue,
    every: parsed.every,
    // Validated above: parseDuration of an accepted `every` is never null.
    everyMs: parseDuration(parsed.every) as number,
    mention: parsed.mention,
  };
  if (parsed.template !== undefined) tier.template = parsed.template;
  if (parsed.escalateAfterIgnored !== undefined) {
    tier.escalation = {
      afterIgnored: parsed.escalateAfterIgnored,
      ignoredAfterMs: parsed.ignoredAfter === undefined ? tier.everyMs : (parseDuration(parsed.ignoredAfter) as number),
      chain: toChain(parsed.escalateTo, parsed.chain) ?? [{ kind: 'lead' }],
    };
  }
  return tier;
}

/** The first step and the further ones as one list; undefined when neither is written. */
function toChain(first: string | undefined, further: string[] | undefined): EscalationTarget[] | undefined {
  if (first === undefined && further === undefined) return undefined;
  return [first ?? 'lead', ...(further ?? [])].map(toTarget);
}

function toTarget(text: string): EscalationTarget {
  if (text === 'lead') return { kind: 'lead' };
  if (text.startsWith('S')) return { kind: 'usergroup', id: text };
  if (text.startsWith('U') || text.startsWith('W')) return { kind: 'user', id: text };
  return { kind: 'channel', channel: text };
}

function toAnswers(parsed: ParsedConfig['answers']): AnswersConfig {
  return {
    who: Array.isArray(parsed.who) ? [...parsed.who] : parsed.who,
    reactions: { ...parsed.reactions },
    claimGrace: parsed.claimGrace,
    claimGraceMs: parseDuration(parsed.claimGrace) as number,
    maxSnooze: parsed.maxSnooze,
    maxSnoozeMs: parseDuration(parsed.maxSnooze) as number,
    quietFor: parsed.quietFor,
    quietForMs: parseDuration(parsed.quietFor) as number,
  };
}

/** Fresh objects all the way down, so no caller can mutate a shared default. */
function toConfig(parsed: ParsedConfig): Config {
  const config: Config = {
    database: {
      connectTimeoutSeconds: parsed.database.connectTimeoutSeconds,
      statementTimeoutMs: parsed.database.statementTimeoutMs,
    },
    source: {
      table: parsed.source.table,
      columns: { ...parsed.source.columns },
      pendingStatuses: [...parsed.source.pendingStatuses],
      doneStatuses: [...parsed.source.doneStatuses],
    },
    tiers: parsed.tiers.map(toTier),
    teams: Object.fromEntries(Object.entries(parsed.teams).map(([team, route]) => [team, toRoute(route)])),
    calendar: toCalendar(parsed.calendar),
    overdueClock: parsed.overdueClock,
    digestPeriod: digestPeriodOf(parsed.digest?.every ?? DEFAULT_DIGEST_EVERY),
    slack: { ...parsed.slack },
    budget: {
      maxPerWeek: parsed.maxMessagesPerTeamPerWeek ?? null,
      exemptTiers: parsed.budgetExempt ?? (parsed.tiers.some((t) => t.name === 'critical') ? ['critical'] : []),
    },
    threads: parsed.threads,
    threadMaxAgeDays: parsed.threadMaxAgeDays,
    answers: toAnswers(parsed.answers),
  };
  if (parsed.digest?.at !== undefined) config.digestAt = { at: parsed.digest.at, timezone: parsed.digest.timezone ?? 'UTC' };
  if (parsed.database.url !== undefined) config.database.url = parsed.database.url;
  if (parsed.fallbackChannel !== undefined) config.fallbackChannel = parsed.fallbackChannel;
  if (parsed.digest !== undefined) config.digest = toDigest(parsed.digest);
  return config;
}

function toRoute(route: ParsedConfig['teams'][string]): TeamRoute {
  const result: TeamRoute = { channel: route.channel };
  if (route.mention !== undefined) result.mention = route.mention;
  const chain = toChain(route.escalateTo, route.chain);
  if (chain !== undefined) result.escalateTo = chain;
  if (route.maxMessagesPerTeamPerWeek !== undefined) result.maxMessagesPerWeek = route.maxMessagesPerTeamPerWeek;
  const calendar = teamCalendar(route);
  if (calendar !== undefined) result.calendar = calendar;
  return result;
}

export type ValidationResult = { ok: true; config: Config } | { ok: false; errors: string[] };

/**
 * Pure: checks anything (parsed JSON/YAML, a JS module's export) against every rule and returns
 * either the defaulted config or EVERY problem as `<path>: <what to write instead>`.
 */
export function validateConfig(input: unknown): ValidationResult {
  const result = configSchema.safeParse(input, { error: fallbackError });
  if (!result.success) return { ok: false, errors: formatIssues(result.error.issues, configSchema) };
  return { ok: true, config: toConfig(result.data) };
}
