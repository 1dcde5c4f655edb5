-- school_metrics_at(as_of, y, s): the figures of each university as a
-- recruiting unit (高校征兵工作站), one row per university of school_list and
-- season with data (registrations or quotas), as of a date.
--
-- Who counts for a university: the people by the metrics' own rules
-- (person_flags_at, 100) — the latest registration on or before as_of,
-- latest exam results, the season's approval — whose registration's 院校
-- names it (school_spellings, an ambiguous spelling naming none) and who
-- are its student or its graduate of the year (学业状态 在校生 or 应届毕业生);
-- a past graduate (往届) registers as any young citizen and counts for no
-- university. They count wherever they registered (at the university's
-- county or at home): the figures follow the person to the university.
-- Quota: the university's own, from the latest quotas row naming its code
-- (school_code) for the season, per track (male and female summed); such
-- rows never count in a region's quota.
-- y and s select a year and season (NULL: every season with data).
CREATE OR REPLACE MACRO model_parts.school_metrics_of(as_of, y, s, leaf_rows) AS TABLE
-- The people are counted by person_flags_at's rules (100), which also give
-- the school each is a student of (student_school, as written), and summed
-- by university from the rows of model_parts.leaf_counts_at (200): the
-- bulletin reads the people once for the regions' figures and the
-- universities' (the universities' own reading was 0.33 s of a
-- province's 1.45 s at 1,000,000 registrations).
WITH leaf AS (
    SELECT * FROM query_table(leaf_rows) WHERE t = 'cur' AND student_school IS NOT NULL
),
-- The university each spelling names: the key is computed once per
-- spelling (a province has dozens), not once per person.
named AS (
    SELECT w.student_school, k.school_code
    FROM (SELECT DISTINCT student_school FROM leaf) w
    JOIN school_spellings k ON k.spelling_key = school_key(w.student_school) AND NOT k.ambiguous
),
counted AS (
    SELECT n.school_code, l.year, l.season,
           sum(l.registered)::BIGINT AS registered,
           sum(l.applied)::BIGINT AS applied,
           sum(l.physical_examined)::BIGINT AS physical_examined,
           sum(l.double_qualified)::BIGINT AS double_qualified,
           sum(l.approved)::BIGINT AS approved,
           sum(l.returned)::BIGINT AS returned
    FROM leaf l
    JOIN named n USING (student_school)
    GROUP BY n.school_code, l.year, l.season
),
seasons AS (
    SELECT year, season FROM registrations
    WHERE (y IS NULL OR year = y) AND (s IS NULL OR season = s)
    UNION
    SELECT year, season FROM quotas
    WHERE (y IS NULL OR year = y) AND (s IS NULL OR season = s)
),
-- The latest row of each university, season and track (quotas.track, a
-- row without one male), the tracks summed: a university's quota is all
-- its recruits'.
school_quota AS (
    SELECT school_code, year, season, sum(quota) AS quota
    FROM (
        SELECT school_code, year, season, max_by(quota, (load_id, source_row)) AS quota
        FROM quotas
        WHERE school_code IS NOT NULL
          AND (y IS NULL OR year = y) AND (s IS NULL OR season = s)
        GROUP BY school_code, year, season, coalesce(track, 'male'))
    GROUP BY school_code, year, season
),
figures AS (
    SELECT
        se.year, se.season, CAST(as_of AS DATE) AS as_of_date,
        l.school_code, l.school_name, l.level, l.students,
        l.located_code, l.county_code, l.county_name, l.city_code, l.city_name, l.province_code, l.province_name,
        coalesce(c.registered, 0) AS registered,
        coalesce(c.applied, 0) AS applied,
        coalesce(c.physical_examined, 0) AS physical_examined,
        coalesce(c.double_qualified, 0) AS double_qualified,
        coalesce(c.approved, 0) AS approved,
        coalesce(c.returned, 0) AS returned,
        q.quota
    FROM school_list l
    CROSS JOIN seasons se
    LEFT JOIN counted c ON c.school_code = l.school_code AND c.year = se.year AND c.season = se.season
    LEFT JOIN school_quota q ON q.school_code = l.school_code AND q.year = se.year AND q.season = se.season
)
SELECT
    *,
    CASE WHEN quota > 0 THEN (approved - returned) / quota END AS quota_completion,
    CASE WHEN students > 0 THEN 1000.0 * applied / students END AS applied_per_thousand,
    CASE WHEN students > 0 THEN 1000.0 * approved / students END AS approved_per_thousand
FROM figures;
-- model_parts.school_metrics_of(as_of, y, s, leaf_rows) is school_metrics_at
-- from rows of model_parts.leaf_counts_at with the rows of as_of (t = 'cur')
-- already read (a table or CTE name).
CREATE OR REPLACE MACRO school_metrics_at(as_of, y, s) AS TABLE
WITH leaf_rows AS (SELECT * FROM model_parts.leaf_counts_at(as_of, NULL, y, s))
SELECT * FROM model_parts.school_metrics_of(as_of, y, s, leaf_rows);
COMMENT ON MACRO TABLE model_parts.school_metrics_of IS '高校征兵 (给定人员计数): school_metrics_at over rows of leaf_counts_at already read (a table or CTE name)';
COMMENT ON MACRO TABLE school_metrics_at IS '高校征兵 (按日期): each university''s registered, applied, examined, double-qualified, approved and returned students and graduates of the year, its own quota and completion, and per thousand students, as of a date';

-- school_metrics: school_metrics_at for the session variables as_of, year
-- and season (all three required, as for metrics).
CREATE OR REPLACE VIEW school_metrics AS
SELECT * FROM school_metrics_at(model_parts.var_as_of('school_metrics'), model_parts.var_year('school_metrics'), model_parts.var_season('school_metrics'));
COMMENT ON VIEW school_metrics IS '高校征兵: school_metrics_at(as_of, year, season) for the session variables; one row per university';
COMMENT ON COLUMN school_metrics.year IS '年度';
COMMENT ON COLUMN school_metrics.season IS '批次: 1 上半年, 2 下半年';
COMMENT ON COLUMN school_metrics.as_of_date IS '统计截止日期';
COMMENT ON COLUMN school_metrics.school_code IS '院校代码';
COMMENT ON COLUMN school_metrics.school_name IS '院校名称';
COMMENT ON COLUMN school_metrics.level IS '办学层次: 本科, 专科';
COMMENT ON COLUMN school_metrics.students IS '在校生人数 (from the schools extract; NULL when not given)';
COMMENT ON COLUMN school_metrics.located_code IS '所在区划代码';
COMMENT ON COLUMN school_metrics.county_code IS '所在区县代码';
COMMENT ON COLUMN school_metrics.county_name IS '所在区县';
COMMENT ON COLUMN school_metrics.city_code IS '所在市代码';
COMMENT ON COLUMN school_metrics.city_name IS '所在市';
COMMENT ON COLUMN school_metrics.province_code IS '所在省代码';
COMMENT ON COLUMN school_metrics.province_name IS '所在省';
COMMENT ON COLUMN school_metrics.registered IS '登记人数: its students and graduates of the year registered by as-of';
COMMENT ON COLUMN school_metrics.applied IS '报名人数: of them, applied (应征报名)';
COMMENT ON COLUMN school_metrics.physical_examined IS '体检人数: of them, with a physical result';
COMMENT ON COLUMN school_metrics.double_qualified IS '双合格: of them, latest physical and political both pass';
COMMENT ON COLUMN school_metrics.approved IS '定兵数: of them, approved by as-of';
COMMENT ON COLUMN school_metrics.returned IS '退兵数: of them, approved and returned by as-of';
COMMENT ON COLUMN school_metrics.quota IS '征集任务: the university''s own quota (a quotas row naming its code); NULL when none';
COMMENT ON COLUMN school_metrics.quota_completion IS '任务完成率: (approved − returned) / quota; NULL without a quota';
COMMENT ON COLUMN school_metrics.applied_per_thousand IS '每千名在校生报名: applied × 1000 / students; NULL without a student count';
COMMENT ON COLUMN school_metrics.approved_per_thousand IS '每千名在校生定兵: approved × 1000 / students; NULL without a student count';
