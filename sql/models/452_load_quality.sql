-- load_quality: one line per file for the bulletin's 数据质量 sheet: the
-- files in force with rows read, stored and refused as the ledger recorded
-- them, the rows carrying a warning now (the flags view: warnings between
-- files come and go as the files they depend on arrive, so the count at
-- load is history, kept beside it), and the most frequent problem found at
-- load. A withdrawn file is listed too, with no rows (they were removed)
-- and 'withdrawn' as its problem, so a leader sees that it was taken back.
-- The warnings between files by reason are in quality_issues (the
-- data-quality report).
--
-- model_parts.load_quality_of(f) is the same over f, a table of the flags
-- view's rows (see model_parts.quality_issues_of, 451).
CREATE OR REPLACE MACRO model_parts.load_quality_of(f) AS TABLE
WITH issues AS (
    SELECT load_id, source, reason, rows,
           row_number() OVER (PARTITION BY load_id ORDER BY rows DESC, source DESC, reason) AS pos
    FROM (SELECT load_id, source, reason, sum(rows) AS rows FROM row_issues GROUP BY ALL)
),
warned AS (
    SELECT load_id, count(DISTINCT source_row) AS rows FROM query_table(f) GROUP BY load_id
)
SELECT
    l.load_id, l.file, l.kind, l.exam_type,
    l.scope_region AS region_code,
    r.name AS region_name,
    l.scope_year AS year, l.scope_season AS season,
    CASE WHEN l.status = 'withdrawn' THEN 0 ELSE l.rows_read END AS rows_read,
    CASE WHEN l.status = 'withdrawn' THEN 0 ELSE l.rows_accepted END AS rows_accepted,
    CASE WHEN l.status = 'withdrawn' THEN 0 ELSE l.rows_rejected END AS rows_rejected,
    coalesce(w.rows, 0) AS rows_flagged,
    l.rows_flagged AS rows_flagged_at_load,
    CASE WHEN l.status = 'withdrawn' THEN 'load' ELSE i.source END AS top_source,
    CASE WHEN l.status = 'withdrawn' THEN 'withdrawn' ELSE i.reason END AS top_reason,
    CASE WHEN l.status = 'withdrawn' THEN l.rows_accepted ELSE i.rows END AS top_rows,
    l.status,
    l.finished_at
FROM load_ledger l
LEFT JOIN regions r ON r.code = l.scope_region
LEFT JOIN issues i ON i.load_id = l.load_id AND i.pos = 1
LEFT JOIN warned w ON w.load_id = l.load_id AND l.status = 'loaded'
WHERE l.status IN ('loaded', 'withdrawn');
CREATE OR REPLACE VIEW load_quality AS
SELECT * FROM model_parts.load_quality_of(flags);
COMMENT ON VIEW load_quality IS '数据质量: each file in force (and each withdrawn one) with rows read, stored, refused and carrying a warning now, and the most frequent problem found at load';
COMMENT ON COLUMN load_quality.load_id IS '批次号';
COMMENT ON COLUMN load_quality.file IS '文件';
COMMENT ON COLUMN load_quality.kind IS '类型: quotas, registrations, exams, approvals, resettlement, regions';
COMMENT ON COLUMN load_quality.exam_type IS '考核类型 of an exams file';
COMMENT ON COLUMN load_quality.region_code IS '区划代码 the file covers';
COMMENT ON COLUMN load_quality.region_name IS '单位: name of the region the file covers';
COMMENT ON COLUMN load_quality.year IS '年度 the file covers';
COMMENT ON COLUMN load_quality.season IS '批次 the file covers';
COMMENT ON COLUMN load_quality.rows_read IS '读取: data rows read (0 once withdrawn)';
COMMENT ON COLUMN load_quality.rows_accepted IS '入库: rows stored (0 once withdrawn)';
COMMENT ON COLUMN load_quality.rows_rejected IS '拒收: rows refused (0 once withdrawn)';
COMMENT ON COLUMN load_quality.rows_flagged IS '警示: stored rows carrying a warning now (the flags view)';
COMMENT ON COLUMN load_quality.rows_flagged_at_load IS '入库时警示: stored rows that carried a warning when the file was loaded (history)';
COMMENT ON COLUMN load_quality.top_source IS '主要问题来源: reject, flag, or load (the file was withdrawn)';
COMMENT ON COLUMN load_quality.top_reason IS '主要问题: the most frequent reason code (names in issue_labels); withdrawn for a withdrawn file';
COMMENT ON COLUMN load_quality.top_rows IS '主要问题行数 (for a withdrawn file: the rows it had stored)';
COMMENT ON COLUMN load_quality.status IS 'loaded (in force) or withdrawn';
COMMENT ON COLUMN load_quality.finished_at IS '入库时间 (UTC)';
