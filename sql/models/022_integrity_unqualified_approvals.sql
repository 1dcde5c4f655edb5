-- unqualified_approvals: approvals of a person whose latest physical or
-- political result for that season is missing or a fail. A clean-conscription
-- audit (廉洁征兵) starts from these.
-- The latest results are those of the approved people only
-- (model_parts.latest_exams_of, 010): through latest_exams every exam
-- result of the warehouse was grouped first (0.64 -> 0.27 s at 10,000,000
-- registrations, where a province has about 470,000 approvals).
CREATE OR REPLACE VIEW unqualified_approvals AS
WITH their_exams AS (
    SELECT e.* FROM exams e SEMI JOIN approvals a USING (person, year, season)
),
latest AS (
    SELECT * FROM model_parts.latest_exams_of(their_exams)
)
SELECT
    a.load_id,
    a.source_row,
    -- The region the metrics count the person in: the latest registration.
    -- A correlated subquery, so DuckDB looks up only the approvals asked
    -- for (the loader asks for one file's after every load) instead of
    -- grouping every registration of the warehouse (2 s a file at
    -- 1,000,000 registrations).
    (SELECT arg_max(r.region_code, (r.registered_on, r.load_id, r.source_row))
     FROM registrations r
     WHERE r.person = a.person AND r.year = a.year AND r.season = a.season) AS region_code,
    a.year,
    a.season,
    coalesce(p.passed, false) AS physical_passed,
    coalesce(q.passed, false) AS political_passed,
    a.person,
    a.approved_on
FROM approvals a
LEFT JOIN latest p
    ON p.person = a.person AND p.year = a.year AND p.season = a.season AND p.exam_type = 'physical'
LEFT JOIN latest q
    ON q.person = a.person AND q.year = a.year AND q.season = a.season AND q.exam_type = 'political'
WHERE NOT (coalesce(p.passed, false) AND coalesce(q.passed, false));
COMMENT ON VIEW unqualified_approvals IS '未双合格定兵: approvals without a passed physical and a passed political review, by the latest results whenever dated; integrity_people_at judges as of a date';
COMMENT ON COLUMN unqualified_approvals.load_id IS '批次号 of the approval row';
COMMENT ON COLUMN unqualified_approvals.source_row IS '行号 in its file';
COMMENT ON COLUMN unqualified_approvals.region_code IS '区划代码 of the person''s latest registration that season, NULL for an orphan';
COMMENT ON COLUMN unqualified_approvals.year IS '年度';
COMMENT ON COLUMN unqualified_approvals.season IS '批次';
COMMENT ON COLUMN unqualified_approvals.physical_passed IS '体检合格 (latest result)';
COMMENT ON COLUMN unqualified_approvals.political_passed IS '政考合格 (latest result)';
COMMENT ON COLUMN unqualified_approvals.person IS '人员代号: the pseudonymous key';
COMMENT ON COLUMN unqualified_approvals.approved_on IS '批准入伍日期';
