-- The contract's default inventory table, applied by `chaser migrate` only when the config's
-- source.table is the default (rotation_consumers), on every run (it is not a numbered migration):
-- created only when absent, so an existing table and its rows are left alone. An inventory
-- mapped through `source` is never given this empty table beside it.
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

