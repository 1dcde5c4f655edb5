-- A run whose task went to its end while some of its files failed or were
-- refused is recorded 'partial', with its counts, rather than 'succeeded'.

COMMENT ON COLUMN job_runs.status IS 'running, succeeded, partial (went to its end, but some files failed or were refused: see message and counts), failed (an error or a panic), cancelled (stopped by a stop signal) or abandoned (the process died mid-run)';
