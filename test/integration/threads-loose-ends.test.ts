import { describe, expect, it } from 'vitest';
import { backend, insertConsumers } from '../support/db.js';
import { DEFAULT_SCOPES } from '../support/fake-slack.js';
import { DAY_MS as DAY } from '../support/clock.js';
import { baseConfig, CHANNELS, useScenario } from '../support/scenario.js';

/** Monday 2026-03-09; the default window is Mon–Fri 09:00–17:00 UTC. */
const MONDAY = new Date('2026-03-09T09:00:00Z');
const at = (iso: string) => new Date(iso);
const ANA = 'U0ANA00001'; // in the payments on-call group
const THREAD_SCOPES = [...DEFAULT_SCOPES, 'channels:history', 'groups:history', 'reactions:read', 'reactions:write', 'usergroups:read'];

describe(`living threads: scheduled nudges and fallback reroutes (${backend})`, () => {
  const s = useScenario({
    slack: {
      scopes: THREAD_SCOPES,
      users: [
        { id: 'U0SECLEAD01', email: 'lead@example.com' },
        { id: ANA, email: 'ana@example.com' },
      ],
      usergroups: { S0PAYONCALL: [ANA] },
    },
  });
  const seed = () =>
    insertConsumers(s.db.sql, [
      { id: 'pay-1', name: 'checkout-api', owner_team: 'payments', rotation_deadline: new Date(MONDAY.getTime() - DAY) },
      { id: 'pay-2', name: 'refunds-worker', owner_team: 'payments', rotation_deadline: new Date(MONDAY.getTime() - DAY) },
    ]);
  const sweep = async (now: Date) => {
    s.slack.setClock(now);
    const run = await s.run(['sweep', '--no-digest', '--now', now.toISOString(), '--json']);
    expect([0, 3], run.stderr).toContain(run.code);
    return JSON.parse(run.stdout) as { teams: Array<Record<string, unknown>> };
  };
  const events = () =>
    s.db.sql<{ consumer_id: string | null; kind: string; source: string; actor: string; message_ts: string }[]>`
      select consumer_id, kind, source, actor, message_ts from chaser_ack_events order by id`;

  it('a reaction on a scheduled nudge, once Slack posted it, is read as an answer for the consumers it listed', async () => {
    s.writeConfig({
      ...baseConfig(),
      calendar: { outsideHours: 'schedule' },
      tiers: [{ name: 'daily', afterDaysOverdue: 0, every: '24h' }],
    });
    await seed();
    await sweep(MONDAY); // inside the window: the thread's parent
    await sweep(at('2026-03-10T00:00:00Z')); // outside: a plain scheduled message for 09:00
    const [posted] = s.slack.deliverScheduled(at('2026-03-10T09:00:00Z'));
    expect(posted).toBeDefined();
    s.slack.react(CHANNELS.payments, posted!.ts, ANA, 'white_check_mark');

    const noon = await sweep(at('2026-03-10T12:00:00Z')); // reconciles the sent one, then harvests
    expect(noon.teams).toEqual([]);
    expect(await events()).toEqual([
      { consumer_id: 'pay-1', kind: 'done', source: 'reaction', actor: ANA, message_ts: posted!.ts },
      { consumer_id: 'pay-2', kind: 'done', source: 'reaction', actor: ANA, message_ts: posted!.ts },
    ]);
    // Never asked about the log's placeholder ts.
    expect(s.slack.calls('reactions.get').map((c) => c.params['timestamp'])).not.toContainEqual(expect.stringMatching(/^scheduled:/));
  });
});
