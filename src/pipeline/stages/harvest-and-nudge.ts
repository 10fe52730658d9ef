import type { HeldSweepLock } from '../../db/lock.js';
import type { RunId } from '../../db/runs.js';
import type { SourceShape } from '../../db/source.js';
import type { Plan, PlanAnswers, TeamPlan } from '../../policy/types.js';
import type { Delivery } from '../../run/types.js';
import type { SlackSession } from '../../slack/deliver/session.js';
import type { RunScope } from '../scope.js';
import { createTurn } from '../turn.js';
import { applySendingWindow, type SendingWindowSplit } from './apply-sending-window.js';
import type { NudgesSent } from './deliver-nudges.js';
import { deliverThreaded, updateThreadParents } from './deliver-threads.js';
import { startHarvest, type Harvest } from './harvest-answers.js';
import { planPacing, type Pacing } from './plan-escalations.js';
import { readPlan } from './read-plan.js';

/** What the harvest, the plan and the thread deliveries produced, for the stages after them. */
export interface HarvestedAndNudged {
  harvest: Harvest;
  /** The plan after the harvest (every team, held ones included). */
  fullPlan: Plan;
  pacing: Pacing;
  window: SendingWindowSplit;
  nudges: NudgesSent;
}

/**
 * A sweep with threads: each team's nudge goes out as soon as its own thread is read, not after
 * everyone's (Slack's read limits make 2,000 threads about 40 minutes).
 *
 * 1. The lead's ✅ on dispute posts, then a first plan from the answers already recorded: the due
 *    teams, whose threads are read first, then the rest.
 * 2. A team is clean once its thread is read with no new answer, no "Got it" owed and no dispute
 *    resolved this run (a team with no open thread at once). Clean due teams are delivered in
 *    waves while the harvest goes on: per wave, the budget and escalation plan over its teams,
 *    the sending-window split, the thread deliveries (no parent edits yet).
 * 3. After the harvest and the "Got it" replies: the plan again only if something new was
 *    recorded; a last wave for the teams with new answers and those that became due; the
 *    escalations of the other outstanding teams; then every parent is brought up to date once.
 *
 * The harvest's records and the deliveries' bookkeeping share one database turn (PGlite serves
 * one session); a team's "Got it" precedes its nudge (such a team is never clean); no team is
 * in two waves.
 */
export async function harvestAndNudge(
  scope: RunScope,
  {
    slack,
    source,
    runId,
    lock,
    planAnswers,
  }: {
    slack: SlackSession;
    source: SourceShape;
    runId: RunId | undefined;
    lock: HeldSweepLock | undefined;
    /** The answers the planner takes from a harvest (run-pipeline's planAnswers). */
    planAnswers: (harvest: Harvest) => PlanAnswers | undefined;
  },
): Promise<HarvestedAndNudged> {
  const { request, env } = scope;
  const campaign = request.keyId ?? '';
  const turn = createTurn();
  // One per-channel pace for the "Got it" replies and every wave: a channel two teams share keeps its interval.
  const pace = new Map<string, number>();
  const session = await startHarvest(scope, { slack, runId, record: true, turn, pace });
  const { harvest } = session;
  const resolvedNow = await session.readDisputes();
  await session.readRecorded();
  const firstPlan = await readPlan(scope, source, { memory: true, answers: planAnswers(harvest) });
  const due = new Map(firstPlan.teams.map((t) => [t.team, t]));

  // Every team that went through a wave's pacing (sent, scheduled, held by budget or window).
  const waved = new Set<string>();
  const opened = new Set<string>();
  const paced: Pacing[] = [];
  const deliveries = new Map<string, Delivery>();
  let fatal: NudgesSent['fatal'];

  let failure: { error: unknown } | undefined;
  const stopped = () => fatal !== undefined || failure !== undefined || env.signal.aborted || lock?.lost === true;

  /** Budget and escalations over these teams (and these outstanding ones), then their deliveries unless the run stopped. */
  const deliverWave = async (plan: Plan, teams: readonly TeamPlan[], outstanding: ReadonlySet<string>) => {
    for (const team of teams) waved.add(team.team);
    const subset: Plan = { ...plan, teams: [...teams], summaries: plan.summaries.filter((s) => outstanding.has(s.team)) };
    const pacing = await turn(() => planPacing(scope, subset, campaign, { memory: true, source, runId }));
    paced.push(pacing);
    const window = applySendingWindow(pacing.deliver);
    if (window.send.length + window.schedule.length === 0 || stopped()) return;
    const sent = await deliverThreaded(scope, {
      slack,
      plan: pacing.deliver,
      window,
      runId,
      lock,
      harvest,
      turn,
      parents: false,
      opened,
      pace,
    });
    for (const [team, delivery] of sent.deliveries) deliveries.set(team, delivery);
    fatal ??= sent.fatal;
  };

  // Clean due teams queue here as their threads are read; one wave at a time takes all queued.
  const queue: TeamPlan[] = [];
  let running: Promise<void> | undefined;
  const kick = () => {
    if (running || queue.length === 0) return;
    running = (async () => {
      while (queue.length > 0 && !stopped()) {
        const wave = queue.splice(0);
        await deliverWave(firstPlan, wave, new Set(wave.map((t) => t.team)));
      }
    })()
      .catch((error: unknown) => {
        failure ??= { error };
      })
      .finally(() => {
        running = undefined;
      });
  };
  const clean = (team: string) =>
    (harvest.recorded.get(team)?.length ?? 0) === 0 && !session.owesConfirmation(team) && !resolvedNow.has(team);
  const whenRead = (team: string) => {
    const plan = due.get(team);
    if (!plan || !clean(team) || stopped()) return;
    queue.push(plan);
    kick();
  };

  // Teams with no open thread are clean at once: their first nudges go out as one wave.
  for (const team of firstPlan.teams) if (!harvest.threads.has(team.team)) queue.push(team);
  kick();
  const order = [...harvest.threads.keys()];
  await session.readThreads(
    [...order.filter((team) => due.has(team)), ...order.filter((team) => !due.has(team))],
    whenRead,
    () => failure !== undefined || lock?.lost === true,
  );
  while (running) await running;
  if (failure) throw failure.error;
  queue.length = 0;

  await session.finish();
  const news = resolvedNow.size > 0 || [...harvest.recorded.values()].some((events) => events.length > 0);
  const fullPlan = news ? await readPlan(scope, source, { memory: true, answers: planAnswers(harvest) }) : firstPlan;
  const rest = fullPlan.teams.filter((t) => !waved.has(t.team));
  const outstanding = new Set(fullPlan.summaries.map((s) => s.team).filter((team) => !waved.has(team)));
  await deliverWave(fullPlan, rest, outstanding);

  // The pieces put back together in the plan's order, as one pacing over the whole plan would give them.
  const inOrder = <T extends { team: string }>(items: T[], order: readonly { team: string }[]) => {
    const rank = new Map(order.map((t, i) => [t.team, i]));
    return items.sort((a, b) => (rank.get(a.team) ?? Number.MAX_SAFE_INTEGER) - (rank.get(b.team) ?? Number.MAX_SAFE_INTEGER));
  };
  const byRank = <T extends { team: string }>(items: T[]) => inOrder(items, fullPlan.summaries);
  const passed = inOrder(
    paced.flatMap((p) => p.deliver.teams),
    [...fullPlan.teams, ...firstPlan.teams],
  );
  // A team no wave reached because the run stopped: not sent, and why, as one delivery of all would say.
  const why = fatal?.code
    ? `not sent: run aborted (${fatal.code})`
    : env.signal.aborted
      ? 'not sent: interrupted'
      : lock?.lost
        ? 'not sent: run aborted (the sweep lock was lost)'
        : 'not sent';
  for (const team of passed) {
    if (team.route.kind !== 'unrouted' && team.sending.mode === 'send' && !deliveries.has(team.team))
      deliveries.set(team.team, { ok: false, reason: why });
  }
  const plan: Plan = { ...fullPlan, teams: passed };
  const pacing: Pacing = {
    deliver: plan,
    held: byRank(paced.flatMap((p) => p.held)),
    escalations: byRank(paced.flatMap((p) => p.escalations)),
  };
  // A held team's parent is left as it is: an edit outside its hours is still a message in its channel.
  const held = plan.teams.filter((t) => t.sending.mode !== 'send').map((t) => t.team);
  if (!stopped()) await updateThreadParents(scope, slack, plan, harvest, new Set([...opened, ...held]));
  return { harvest, fullPlan, pacing, window: applySendingWindow(plan), nudges: { deliveries, ...(fatal ? { fatal } : {}) } };
}
