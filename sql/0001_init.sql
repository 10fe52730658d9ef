-- chaser 0001: chaser's own state.
-- Applied once by `chaser migrate` (recorded in chaser_migrations), inside one transaction.

-- The default inventory table (rotation_consumers) is not part of this migration any more: it
-- is the user's, and `chaser migrate` creates it (sql/inventory/rotation_consumers.sql) only
-- when source.table is that default, so a mapped inventory gets no empty table beside it.
-- Databases migrated before that change keep the table this file used to create.

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
