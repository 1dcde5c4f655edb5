-- integrity_summary: what a clean-conscription (廉洁征兵) audit looks at,
-- counted by region and season with no personal data: approvals without
-- double qualification, people registered in two regions in one season,
-- age-rule violations, and orphan exam or approval records (counted in no
-- region, so their region is NULL).
CREATE OR REPLACE VIEW integrity_summary AS
SELECT
    flag AS issue,
    CASE flag
        WHEN 'unqualified_approval' THEN '未双合格定兵'
        WHEN 'two_regions' THEN '跨地区重复登记'
        WHEN 'age_rule' THEN '年龄不符'
        WHEN 'orphan' THEN '无登记记录'
    END AS issue_label,
    region_code,
    year,
    season,
    count(*) AS records
FROM flags
WHERE flag IN ('unqualified_approval', 'two_regions', 'age_rule', 'orphan')
GROUP BY ALL;
COMMENT ON VIEW integrity_summary IS '廉洁征兵审计: integrity issues by region and season, counts only';
COMMENT ON COLUMN integrity_summary.issue IS '问题代码: unqualified_approval, two_regions, age_rule, orphan';
COMMENT ON COLUMN integrity_summary.issue_label IS '问题';
COMMENT ON COLUMN integrity_summary.region_code IS '区划代码 of the rows (registration region; NULL for orphans)';
COMMENT ON COLUMN integrity_summary.year IS '年度';
COMMENT ON COLUMN integrity_summary.season IS '批次';
COMMENT ON COLUMN integrity_summary.records IS '记录数';
