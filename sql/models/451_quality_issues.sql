-- quality_issues: what the data-quality report counts — row_issues plus the
-- warnings that arise between files (people registered in two regions,
-- exams or approvals of people registered nowhere, approvals without double
-- qualification; see the flags view), by file, reason and region, for the
-- files in force. These cross-file checks read every registration, exam and
-- approval, so this view costs far more than row_issues.
--
-- model_parts.quality_issues_of(f) is the same over f, a table of the flags
-- view's rows: the bulletin reads flags once into a table and gives it to
-- this and to model_parts.load_quality_of (452), instead of computing the
-- cross-file checks twice (0.6 s each at 1,000,000 registrations).
CREATE OR REPLACE MACRO model_parts.quality_issues_of(f) AS TABLE
SELECT * FROM row_issues
UNION ALL
SELECT
    'flag',
    f.load_id, l.file, l.kind, l.exam_type,
    coalesce(f.region_code, l.scope_region),
    coalesce(f.year, l.scope_year), coalesce(f.season::TINYINT, l.scope_season),
    f.flag,
    count(DISTINCT f.source_row)
FROM query_table(f) f
JOIN load_ledger l USING (load_id)
WHERE l.status = 'loaded' AND f.flag IN ('orphan', 'two_regions', 'unqualified_approval')
GROUP BY ALL;
CREATE OR REPLACE VIEW quality_issues AS
SELECT * FROM model_parts.quality_issues_of(flags);
COMMENT ON VIEW quality_issues IS '数据质量问题: rejected and flagged rows by file, reason and region, cross-file warnings included (files in force only); counts, no personal data';
COMMENT ON COLUMN quality_issues.source IS '来源: reject (拒收, row refused) or flag (警示, row kept)';
COMMENT ON COLUMN quality_issues.load_id IS '批次号 of the file';
COMMENT ON COLUMN quality_issues.file IS '文件: path as given to ingest';
COMMENT ON COLUMN quality_issues.kind IS '类型 of the file';
COMMENT ON COLUMN quality_issues.exam_type IS '考核类型 of an exams file';
COMMENT ON COLUMN quality_issues.region_code IS '区划代码: the row''s region for a warning where known, else the region the file covers';
COMMENT ON COLUMN quality_issues.year IS '年度: the row''s, else the file''s';
COMMENT ON COLUMN quality_issues.season IS '批次: the row''s, else the file''s';
COMMENT ON COLUMN quality_issues.reason IS '问题代码: rejects.reason or flags.flag (names in issue_labels)';
COMMENT ON COLUMN quality_issues.rows IS '行数: distinct rows of the file with this problem';
