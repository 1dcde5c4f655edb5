-- The run history of scheduled jobs (enlist serve, enlist run): one row per
-- attempt, written when the attempt starts and completed when it ends, so an
-- operator sees what ran, when it was due, how long it took and why it failed.
-- A row left 'running' by a process that no longer exists is marked
-- 'abandoned' when the service starts again.

CREATE SEQUENCE job_run_id_seq START 1;

CREATE TABLE job_runs (
    run_id       BIGINT NOT NULL,
    job          VARCHAR NOT NULL,
    job_type     VARCHAR NOT NULL,
    trigger      VARCHAR NOT NULL,
    scheduled_at TIMESTAMP NOT NULL,
    attempt      INTEGER NOT NULL,
    started_at   TIMESTAMP NOT NULL,
    finished_at  TIMESTAMP,
    status       VARCHAR NOT NULL,
    message      VARCHAR,
    counts       JSON,
    host         VARCHAR,
    pid          INTEGER
);
COMMENT ON TABLE job_runs IS '作业运行记录: one row per attempt of a scheduled or manual job (enlist serve, enlist run)';
COMMENT ON COLUMN job_runs.run_id IS 'run number, increasing';
COMMENT ON COLUMN job_runs.job IS 'job name as written in its schedule file';
COMMENT ON COLUMN job_runs.job_type IS 'ingest, report, rollup, export or sql';
COMMENT ON COLUMN job_runs.trigger IS 'schedule (the cron spec fired), catch_up (a run missed while the service was down, run once at start) or manual (enlist run)';
COMMENT ON COLUMN job_runs.scheduled_at IS 'the time the run was due (UTC); for a manual run, when it was asked for. Catch-up compares the latest of these with the cron spec';
COMMENT ON COLUMN job_runs.attempt IS '1 for the first try, 2 and up for retries after a failure';
COMMENT ON COLUMN job_runs.started_at IS 'attempt start (UTC)';
COMMENT ON COLUMN job_runs.finished_at IS 'attempt end (UTC); NULL while running';
COMMENT ON COLUMN job_runs.status IS 'running, succeeded, failed (an error or a panic), cancelled (the service was stopping) or abandoned (the process died mid-run)';
COMMENT ON COLUMN job_runs.message IS 'what happened, or the error; never personal data';
COMMENT ON COLUMN job_runs.counts IS 'figures of the run as a JSON object, e.g. {"files_loaded": 3, "rows_read": 120000} for an ingest';
COMMENT ON COLUMN job_runs.host IS 'machine the run executed on';
COMMENT ON COLUMN job_runs.pid IS 'process id of the enlist process that ran it';
