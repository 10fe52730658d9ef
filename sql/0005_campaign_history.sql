-- chaser 0005: the security lead's view. Campaign counts per run (snapshots), and when and how each
-- consumer chaser nudged left the campaign (resolutions). Written by every sweep and digest after
-- the nudges are recorded; read by the digest's burn-down line, `chaser report` and `chaser evidence`.

-- One row per run per campaign (key): the inventory as that run saw it. Scope is counted when seen
-- and never back-dated, so consumers added to a campaign late raise in_scope from that run on.
create table chaser_snapshots (
  run_id              bigint not null references chaser_runs (id),
  key_id              text not null,
  -- The run's as_of (the clock or --now): the x axis of every chart.
  as_of               timestamptz not null,
  command             text not null,
  -- Every consumer of the key in the inventory, whatever its status.
  in_scope            integer not null,
  confirmed           integer not null,
  exempt              integer not null,
  -- Pending, deadline still ahead.
  pending_not_due     integer not null,
  -- Pending past the deadline (snoozed included), and per tier name: {"gentle": 3, ...}.
  outstanding         integer not null,
  outstanding_by_tier jsonb not null,
  snoozed             integer not null,
  -- From the two-way issue (answers read back from Slack): counted 0 until that lands.
  claimed             integer not null default 0,
  disputed            integer not null default 0,
  -- A status in no known list (neither pending, confirmed nor exempt): never treated as done.
  unknown_status      integer not null,
  -- Pending rows chaser cannot chase (no deadline): counted, not bucketed.
  undated             integer not null,
  -- The teams with the most outstanding: [{"team", "outstanding", "maxDaysOverdue"}], at most 10.
  top_teams           jsonb not null default '[]'::jsonb,
  primary key (key_id, run_id)
);

create index chaser_snapshots_as_of_idx on chaser_snapshots (key_id, as_of);

-- The campaign each nudged consumer was nudged in (key, team, deadline as first seen): what a
-- consumer removed from the inventory is remembered by, for resolutions and evidence.
create table chaser_tracked_consumers (
  consumer_id   text primary key,
  key_id        text null,
  team          text null,
  name          text null,
  deadline      timestamptz null,
  first_seen_at timestamptz not null
);

create index chaser_tracked_consumers_key_idx on chaser_tracked_consumers (key_id);

-- One row each time a nudged consumer stops being pending, recorded by the first run that sees it.
create table chaser_resolutions (
  id              bigint generated always as identity primary key,
  run_id          bigint not null references chaser_runs (id),
  consumer_id     text not null,
  key_id          text null,
  team            text null,
  -- The as_of of the run that first saw it gone: resolution times are as precise as the runs.
  left_at         timestamptz not null,
  how             text not null check (how in ('confirmed', 'exempt', 'removed', 'other')),
  -- The status it left with (null when removed from the inventory).
  status          text null,
  deadline        timestamptz null,
  first_nudged_at timestamptz not null,
  nudge_count     integer not null
);

create index chaser_resolutions_consumer_idx on chaser_resolutions (consumer_id, left_at);
create index chaser_resolutions_key_idx on chaser_resolutions (key_id, left_at);

-- What an auditor asks of every run: which chaser, with which configuration (a SHA-256 of the
-- validated config without the database URL, so two runs with the same settings compare equal).
alter table chaser_runs add column chaser_version text null;
alter table chaser_runs add column config_hash text null;
