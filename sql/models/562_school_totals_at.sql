-- school_totals_at(as_of, y, s): the universities' figures summed for every
-- region that has one — county, city, province (the 合计 of the bulletin's
-- 高校征兵 sheet). Counts and quotas are sums over the universities sitting
-- in the region; rates are recomputed from the sums, never averaged:
-- applied per thousand students over the universities with a student count
-- (their applied × 1000 / their students), completion over the universities
-- with a quota (their approved − returned / their quotas).
--
-- school_totals_of(t) sums the rows of t, a table or CTE of
-- school_metrics_at's rows (see school_ranking_of).
CREATE SCHEMA IF NOT EXISTS model_parts;
CREATE OR REPLACE MACRO model_parts.school_totals_of(t) AS TABLE
WITH levels AS (
    SELECT unnest([2, 4, 6]) AS n
),
rolled AS (
    SELECT m.year, m.season, m.as_of_date, left(m.county_code, n) AS region_code,
           count(*) AS schools,
           sum(m.students) AS students,
           sum(m.registered) AS registered,
           sum(m.applied) AS applied,
           sum(m.physical_examined) AS physical_examined,
           sum(m.double_qualified) AS double_qualified,
           sum(m.approved) AS approved,
           sum(m.returned) AS returned,
           sum(m.quota) AS quota,
           sum(m.approved - m.returned) FILTER (m.quota IS NOT NULL) AS net_approved_with_quota,
           sum(m.applied) FILTER (m.students > 0) AS applied_with_students
    FROM query_table(t) m, levels
    GROUP BY ALL
)
SELECT r.year, r.season, r.as_of_date, r.region_code, rg.name AS region_name,
       r.schools, r.students, r.registered, r.applied, r.physical_examined, r.double_qualified,
       r.approved, r.returned, r.quota,
       CASE WHEN r.quota > 0 THEN r.net_approved_with_quota / r.quota END AS quota_completion,
       CASE WHEN r.students > 0 THEN 1000.0 * r.applied_with_students / r.students END AS applied_per_thousand
FROM rolled r
LEFT JOIN regions rg ON rg.code = r.region_code;
CREATE OR REPLACE MACRO school_totals_at(as_of, y, s) AS TABLE
WITH school_rows AS (SELECT * FROM school_metrics_at(as_of, y, s))
SELECT * FROM model_parts.school_totals_of(school_rows);
COMMENT ON MACRO TABLE model_parts.school_totals_of IS '高校征兵合计 (给定高校指标): school_totals_at over rows of school_metrics_at already read (a table or CTE name)';
COMMENT ON MACRO TABLE school_totals_at IS '高校征兵合计 (按日期): the universities'' figures summed by the county, city and province they sit in; rates recomputed from the sums';
