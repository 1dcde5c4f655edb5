-- load_quality: one line per file in force for the bulletin's 数据质量 sheet:
-- rows read, stored, refused and flagged as the ledger recorded them when
-- the file was loaded, and the most frequent problem found then. The
-- warnings between files are in quality_issues (the data-quality report).
CREATE OR REPLACE VIEW load_quality AS
WITH issues AS (
    SELECT load_id, source, reason, rows,
           row_number() OVER (PARTITION BY load_id ORDER BY rows DESC, source DESC, reason) AS pos
    FROM (SELECT load_id, source, reason, sum(rows) AS rows FROM row_issues GROUP BY ALL)
)
SELECT
    l.load_id, l.file, l.kind, l.exam_type,
    l.scope_region AS region_code,
    r.name AS region_name,
    l.scope_year AS year, l.scope_season AS season,
    l.rows_read, l.rows_accepted, l.rows_rejected, l.rows_flagged,
    i.source AS top_source, i.reason AS top_reason, i.rows AS top_rows,
    l.finished_at
FROM load_ledger l
LEFT JOIN regions r ON r.code = l.scope_region
LEFT JOIN issues i ON i.load_id = l.load_id AND i.pos = 1
WHERE l.status = 'loaded';
COMMENT ON VIEW load_quality IS '数据质量: each file in force with rows read, stored, refused and flagged at load, and the most frequent problem found then';
COMMENT ON COLUMN load_quality.load_id IS '批次号';
COMMENT ON COLUMN load_quality.file IS '文件';
COMMENT ON COLUMN load_quality.kind IS '类型: quotas, registrations, exams, approvals, resettlement, regions';
COMMENT ON COLUMN load_quality.exam_type IS '考核类型 of an exams file';
COMMENT ON COLUMN load_quality.region_code IS '区划代码 the file covers';
COMMENT ON COLUMN load_quality.region_name IS '单位: name of the region the file covers';
COMMENT ON COLUMN load_quality.year IS '年度 the file covers';
COMMENT ON COLUMN load_quality.season IS '批次 the file covers';
COMMENT ON COLUMN load_quality.rows_read IS '读取: data rows read';
COMMENT ON COLUMN load_quality.rows_accepted IS '入库: rows stored';
COMMENT ON COLUMN load_quality.rows_rejected IS '拒收: rows refused';
COMMENT ON COLUMN load_quality.rows_flagged IS '警示: stored rows that carried a warning when the file was loaded';
COMMENT ON COLUMN load_quality.top_source IS '主要问题来源: reject or flag';
COMMENT ON COLUMN load_quality.top_reason IS '主要问题: the most frequent reason code (names in issue_labels)';
COMMENT ON COLUMN load_quality.top_rows IS '主要问题行数';
COMMENT ON COLUMN load_quality.finished_at IS '入库时间 (UTC)';
