-- chaser 0001: the default inventory table and chaser's own state.
-- Applied once by `chaser migrate` (recorded in chaser_migrations), inside one transaction.

-- The inventory is the user's: created only when absent, so an existing table is left alone.
-- Teams whose table has other names point the config's `source` mapping at it instead.
create table if not exists rotation_consumers (
  id                text primary key,
  name              text not null,
  owner_team        text not null,
  key_id            text not null,
  status            text not null default 'pending',
  rotation_deadline timestamptz not null,
  snoozed_until     timestamptz null
);

-- The sweep reads `status = any(pending) and (rotation_deadline < now or rotation_deadline is null)`.
-- In a campaign most rows end up confirmed, so status leads and the deadline range bounds the scan
-- within the pending rows (PG 15, 100k rows, 4k overdue: a bitmap scan of this index, 0.8 ms in the
-- index, against a 24 ms sequential scan). A partial index `where status = 'pending'` would not
-- serve a configurable list of pending statuses passed as a parameter. The ORDER BY
-- (team, deadline, id) is left to a sort: only the overdue pending rows ever reach it.
create index if not exists rotation_consumers_sweep_idx
  on rotation_consumers (status, rotation_deadline);

-- One row per consumer chaser has ever nudged. Keyed by the id's text form, so an inventory
-- keyed by integer or uuid works too.
create table chaser_nudge_state (
  consumer_id     text primary key,
  nudge_count     integer not null check (nudge_count > 0),
  first_nudged_at timestamptz not null,
  last_nudged_at  timestamptz not null,
  last_tier       text null
);

-- One row per run of sweep or digest (dry-run writes nothing). finished_at stays null when a
-- run died before it could record its outcome: that is the signal, not a bug.
create table chaser_runs (
  id               bigint generated always as identity primary key,
  command          text not null,
  -- Wall clock of the database; as_of is the instant the run evaluated (the clock or --now).
  started_at       timestamptz not null default now(),
  finished_at      timestamptz null,
  as_of            timestamptz not null,
  filters          jsonb not null default '{}'::jsonb,
  outstanding      integer null,
  nudged           integer null,
  teams_messaged   integer null,
  teams_failed     integer null,
  digest_delivered boolean null,
  exit_code        integer null,
  outcome          text null
);

-- Append-only: one row per consumer per delivered nudge, with the Slack message it went out in.
create table chaser_nudge_log (
  id          bigint generated always as identity primary key,
  run_id      bigint not null references chaser_runs (id),
  consumer_id text not null,
  team        text not null,
  tier        text not null,
  channel     text not null,
  message_ts  text not null,
  nudged_at   timestamptz not null
);

-- "When was this consumer chased, and how often?" is the question the log exists to answer.
create index chaser_nudge_log_consumer_idx on chaser_nudge_log (consumer_id, nudged_at);
create index chaser_nudge_log_run_idx on chaser_nudge_log (run_id);
