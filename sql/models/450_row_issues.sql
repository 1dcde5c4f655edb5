-- row_issues: the problems found in each file while it was read — rows
-- refused (rejects) and rows kept with a warning (row_flags) — by file,
-- reason and region, for the files in force (ledger status loaded; a
-- replaced snapshot's problems are history). A refused row has no trusted
-- region, so it counts in the region its file covers; a warning counts in
-- the row's region where known, else the file's. Cheap: it reads only what
-- the loads recorded. quality_issues (451) adds the warnings that arise
-- between files.
CREATE OR REPLACE VIEW row_issues AS
SELECT
    'reject' AS source,
    r.load_id, l.file, l.kind, l.exam_type,
    l.scope_region AS region_code,
    l.scope_year AS year, l.scope_season AS season,
    r.reason,
    count(DISTINCT r.source_row) AS rows
FROM rejects r
JOIN load_ledger l USING (load_id)
WHERE l.status = 'loaded'
GROUP BY ALL
UNION ALL
SELECT
    'flag',
    f.load_id, l.file, l.kind, l.exam_type,
    coalesce(f.region_code, l.scope_region),
    coalesce(f.year, l.scope_year), coalesce(f.season::TINYINT, l.scope_season),
    f.flag,
    count(DISTINCT f.source_row)
FROM row_flags f
JOIN load_ledger l USING (load_id)
WHERE l.status = 'loaded'
GROUP BY ALL;
COMMENT ON VIEW row_issues IS '入库核查问题: rows refused or flagged while their file was read, by file, reason and region (files in force only); counts, no personal data';
COMMENT ON COLUMN row_issues.source IS '来源: reject (拒收, row refused) or flag (警示, row kept)';
COMMENT ON COLUMN row_issues.load_id IS '批次号 of the file';
COMMENT ON COLUMN row_issues.file IS '文件: path as given to ingest';
COMMENT ON COLUMN row_issues.kind IS '类型 of the file';
COMMENT ON COLUMN row_issues.exam_type IS '考核类型 of an exams file';
COMMENT ON COLUMN row_issues.region_code IS '区划代码: the row''s region for a warning where known, else the region the file covers';
COMMENT ON COLUMN row_issues.year IS '年度: the row''s, else the file''s';
COMMENT ON COLUMN row_issues.season IS '批次: the row''s, else the file''s';
COMMENT ON COLUMN row_issues.reason IS '问题代码: rejects.reason or row_flags.flag (names in issue_labels)';
COMMENT ON COLUMN row_issues.rows IS '行数: distinct rows of the file with this problem';
