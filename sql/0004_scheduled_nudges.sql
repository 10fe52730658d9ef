-- Nudges posted with chat.scheduleMessage (outsideHours "schedule"): recorded as nudges from
-- their post_at the moment Slack accepted them, and reconciled by the next sweep: deleted when
-- every consumer they name was confirmed meanwhile (and post_at is more than 10 minutes away),
-- or, once Slack has posted them, given the real message ts.
create table chaser_scheduled_nudges (
  scheduled_message_id text primary key,
  run_id        bigint not null references chaser_runs (id),
  team          text not null,
  channel       text not null,
  post_at       timestamptz not null,
  consumer_ids  text[] not null,
  -- scheduled: waiting in Slack's queue; sent: posted (message_ts set when it could be found);
  -- deleted: chaser deleted it; gone: no longer in Slack's queue before its time (deleted in Slack).
  status        text not null default 'scheduled' check (status in ('scheduled', 'sent', 'deleted', 'gone')),
  message_ts    text,
  created_at    timestamptz not null default now(),
  reconciled_at timestamptz
);

create index chaser_scheduled_nudges_pending on chaser_scheduled_nudges (channel) where status = 'scheduled';
