-- chaser 0006: one row per chaser message a team received (the budget's 7-day count and the
-- ignored count, cheap at 10,000 teams: the per-consumer nudge log is far too big to count
-- distinct messages in), and the append-only log of escalations past a silent team.
-- Applied once by `chaser migrate` (recorded in chaser_migrations), inside one transaction.

-- Written in the same statement as the nudge log (a nudge) or the escalation row (an escalation),
-- so it is recorded exactly when the message is. Shared across campaigns: the budget counts every
-- message a team receives, whatever the key.
create table chaser_team_messages (
  id       bigint generated always as identity primary key,
  team     text not null,
  channel  text not null,
  ts       text not null,
  -- nudge: a top-level nudge, a thread's parent or a reply in it; escalation: a post about the team.
  kind     text not null check (kind in ('nudge', 'escalation')),
  sent_at  timestamptz not null,
  run_id   bigint null references chaser_runs (id)
);

create index chaser_team_messages_team_idx on chaser_team_messages (team, sent_at);

-- Append-only: who was escalated to about which team, when and why. One row per step of one
-- silence (the unique index): a re-run, or a run after a kill, never records a step twice.
create table chaser_escalations (
  id          bigint generated always as identity primary key,
  team        text not null,
  campaign    text not null default '',
  step        integer not null check (step >= 1),
  -- lead | usergroup:S… | user:U… | channel:C…/#name
  target      text not null,
  -- Why: this many nudges in a row went unanswered, the first of them at ignored_since.
  ignored     integer not null,
  ignored_since timestamptz not null,
  channel     text not null,
  ts          text not null,
  run_id      bigint null references chaser_runs (id),
  escalated_at timestamptz not null
);

create unique index chaser_escalations_once_idx on chaser_escalations (team, campaign, ignored_since, step);
create index chaser_escalations_team_idx on chaser_escalations (team, escalated_at);

-- The run record says what the budget held back and how many escalations went out: a cap that
-- silently drops work is a defect.
alter table chaser_runs
  add column nudges_held integer null,
  -- [{team, tier, consumers, why}] per held nudge
  add column held jsonb null,
  add column escalated   integer null;
