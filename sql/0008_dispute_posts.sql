-- chaser 0008: routing disputes ("not ours", 🙅) posted to the fallbackChannel, once per dispute;
-- and which threads live in the fallbackChannel (so a team that gets a route moves back to its channel).
-- Applied once by `chaser migrate` (recorded in chaser_migrations), inside one transaction.

-- One row per disputed consumer that was posted: the dispute is its not_ours event (a new "not
-- ours" after a resolution is a new dispute, posted again). Several rows share one Slack message
-- (one post per team per run). Recorded right after Slack accepted the post, so a re-run does not
-- post it again (the unique event_id).
-- A dispute ends when the lead reacts ✅ (answers.reactions.done) on the post: chasing resumes in
-- the team's thread (resolved_by is the person); or when the consumer is no longer outstanding
-- for that team (its owner changed in the inventory, or it is done): resolved_by = 'inventory'.
create table chaser_dispute_posts (
  id          bigint generated always as identity primary key,
  event_id    bigint not null unique references chaser_ack_events (id),
  campaign    text not null default '',
  team        text not null,
  consumer_id text not null,
  channel     text not null,
  message_ts  text not null,
  run_id      bigint null references chaser_runs (id),
  posted_at   timestamptz not null,
  resolved_at timestamptz null,
  -- A Slack user id (the lead's ✅), or 'inventory'.
  resolved_by text null,
  check ((resolved_at is null) = (resolved_by is null))
);

create index chaser_dispute_posts_open_idx on chaser_dispute_posts (campaign, team) where resolved_at is null;

-- A thread opened in the fallbackChannel (the team had no channel, or its own could not be
-- reached): once the team has a channel that takes the post, its next nudge opens a new thread
-- there and this one is closed as rerouted.
alter table chaser_threads add column in_fallback boolean not null default false;
