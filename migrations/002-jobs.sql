-- The outbox: a job is committed in the same transaction as the message it analyses.
-- status: pending (ready at run_after) -> running (leased until lease_until) -> done | dead.
-- With Redis, the relay moves pending jobs into bee-queue and marks them queued.
CREATE TABLE jobs (
  id          bigserial   PRIMARY KEY,
  kind        text        NOT NULL,
  payload     jsonb       NOT NULL,
  dedupe_key  text        NOT NULL UNIQUE,
  status      text        NOT NULL DEFAULT 'pending',
  attempts    integer     NOT NULL DEFAULT 0,
  run_after   timestamptz NOT NULL DEFAULT now(),
  lease_until timestamptz,
  last_error  text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX jobs_ready_idx ON jobs (status, run_after);

-- Jobs that failed every attempt. An operator replays them with `vigil dead-letters replay`.
CREATE TABLE dead_letters (
  id          bigserial   PRIMARY KEY,
  job_id      bigint      NOT NULL REFERENCES jobs (id),
  kind        text        NOT NULL,
  payload     jsonb       NOT NULL,
  error       text        NOT NULL,
  attempts    integer     NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  replayed_at timestamptz
);
