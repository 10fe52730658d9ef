-- chaser 0003: one living Slack thread per team per campaign, and the answers read back from it.
-- Applied once by `chaser migrate` (recorded in chaser_migrations), inside one transaction.

-- One row per thread chaser opened. At most one is open per team and campaign (the partial
-- unique index); a closed one stays, so a new parent can link the old and the report can tell
-- the story. `campaign` is the run's --key filter, or '' for a run over every key.
create table chaser_threads (
  id                 bigint generated always as identity primary key,
  team               text not null,
  campaign           text not null default '',
  channel            text not null,
  parent_ts          text not null,
  permalink          text null,
  opened_at          timestamptz not null,
  opened_run_id      bigint null references chaser_runs (id),
  -- The thread this one replaced (older than threadMaxAgeDays, or its parent was deleted).
  replaces_thread_id bigint null references chaser_threads (id),
  -- The highest tier the team was nudged in, here: a reply is broadcast only when it rises.
  last_tier          text null,
  last_nudged_at     timestamptz null,
  parent_updated_at  timestamptz null,
  -- Where the harvest stopped: the newest reply ts read, and the parent's reply_count /
  -- latest_reply then, so a thread where nothing changed costs no conversations.replies call.
  reply_cursor       text null,
  seen_reply_count   integer not null default 0,
  seen_latest_reply  text null,
  -- Events up to this id were confirmed in the thread ("Got it: …"): confirmed once, even after a kill.
  confirmed_event_id bigint not null default 0,
  closed_at          timestamptz null,
  -- all-done | expired | parent-deleted | locked
  closed_reason      text null,
  unique (channel, parent_ts),
  check ((closed_at is null) = (closed_reason is null))
);

create unique index chaser_threads_open_idx on chaser_threads (team, campaign) where closed_at is null;

-- Append-only: every answer read back from a thread, one row per consumer it names. Every effect
-- of an answer (claimed, snoozed, disputed, eta) is derived from these rows, never stored beside
-- them. Idempotent: the unique index makes reading the same thread twice record nothing twice.
create table chaser_ack_events (
  id          bigint generated always as identity primary key,
  thread_id   bigint not null references chaser_threads (id),
  team        text not null,
  -- null for an answer that names no consumer (a plain response, or one that was not understood).
  consumer_id text null,
  -- done | snooze | not_ours | eta | response | refused
  kind        text not null check (kind in ('done', 'snooze', 'not_ours', 'eta', 'response', 'refused')),
  source      text not null check (source in ('reply', 'reaction')),
  -- The Slack user id of the person who answered (bots never get here).
  actor       text not null,
  -- The reply's ts, or the ts of the message that was reacted to.
  message_ts  text not null,
  -- The reply's text (made printable, capped) or the reaction's name.
  body        text not null,
  -- snooze: until when (capped at maxSnooze); eta: the date given.
  until_at    timestamptz null,
  -- What was asked beyond the effect: a snooze's requested duration, a dispute's @team, a refusal's reason.
  detail      text null,
  run_id      bigint null references chaser_runs (id),
  recorded_at timestamptz not null
);

-- A reaction is one fact per (message, person, emoji); a reply one per (message, kind, consumer).
create unique index chaser_ack_events_once_idx on chaser_ack_events
  (thread_id, message_ts, source, actor, kind, coalesce(consumer_id, ''), (case when source = 'reaction' then body else '' end));
create index chaser_ack_events_consumer_idx on chaser_ack_events (consumer_id, recorded_at);
create index chaser_ack_events_team_idx on chaser_ack_events (team, recorded_at);
