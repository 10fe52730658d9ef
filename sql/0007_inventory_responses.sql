-- chaser 0007: a team's answers that happen in the inventory, not in Slack. A nudged consumer whose
-- status left the pending statuses (done, exempt, any other), or that was snoozed past its last
-- nudge, shows the team is not ignoring chaser: it ends the team's streak of ignored nudges, as a
-- reply in the thread does. Written by the first run that sees the change (so it keeps the instant
-- chaser first saw it); read by the escalation's activity query.
-- Applied once by `chaser migrate` (recorded in chaser_migrations), inside one transaction.

create table chaser_inventory_responses (
  consumer_id    text not null,
  -- The consumer's team in the inventory when the change was seen.
  team           text not null,
  -- status: no longer pending; snooze: snoozed until after its last nudge.
  how            text not null check (how in ('status', 'snooze')),
  -- The consumer's last nudge before the change: one response per consumer per nudge.
  after_nudge_at timestamptz not null,
  -- The as_of of the run that first saw it: as precise as the runs.
  seen_at        timestamptz not null,
  run_id         bigint null references chaser_runs (id),
  primary key (consumer_id, after_nudge_at)
);

create index chaser_inventory_responses_team_idx on chaser_inventory_responses (team, seen_at);

-- The last nudge whose inventory answer is recorded above, per consumer: a run looks only at
-- consumers where this differs from chaser_nudge_state.last_nudged_at (a new nudge makes it differ
-- again), so a change is recorded once and steady runs do not re-check it against the table they
-- insert into. Its own table: chaser_nudge_state keeps the contract's columns.
create table chaser_inventory_marks (
  consumer_id text primary key,
  answer_for  timestamptz not null
);

-- Status changes chaser already saw before this migration (its resolutions since each consumer's
-- last nudge), so the first run after the upgrade does not take them all for answers given now.
insert into chaser_inventory_responses (consumer_id, team, how, after_nudge_at, seen_at, run_id)
select distinct on (r.consumer_id) r.consumer_id, r.team, 'status', s.last_nudged_at, r.left_at, r.run_id
from chaser_resolutions r
join chaser_nudge_state s on s.consumer_id = r.consumer_id
where r.team is not null and r.left_at >= s.last_nudged_at
order by r.consumer_id, r.left_at;

insert into chaser_inventory_marks (consumer_id, answer_for)
select i.consumer_id, i.after_nudge_at
from chaser_inventory_responses i
join chaser_nudge_state s on s.consumer_id = i.consumer_id and s.last_nudged_at = i.after_nudge_at;
