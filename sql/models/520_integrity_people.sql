-- integrity_people_at(as_of, y, s): the clean-conscription (廉洁征兵) audit,
-- one row per person, season and issue as of a date, with the person's key
-- and the regions involved, judged by what was known on that date:
--   two_regions           registered in two or more regions that season by as_of;
--   unqualified_approval  approved by as_of without a passed physical and a
--                         passed political review as of as_of (latest results);
--   orphan                an exam or approval dated by as_of of a person with no
--                         registration that season by as_of;
--   age_rule              a registration by as_of flagged outside the age rule.
-- The person's region is where the metrics count them (the latest
-- registration by as_of); orphans have none.
CREATE OR REPLACE MACRO integrity_people_at(as_of, y, s) AS TABLE
WITH reg AS (
    SELECT person, year, season, region_code, registered_on, load_id, source_row
    FROM registrations
    WHERE registered_on <= CAST(as_of AS DATE)
      AND (y IS NULL OR year = y) AND (s IS NULL OR season = s)
),
-- Each person's home: the region of the latest registration and every
-- region registered in. The latest is the largest key joined back
-- (registration_key, 410), and the list is built
-- only for people registered in two regions or more (a handful): an
-- arg_max and a list per person kept every person's strings in states
-- DuckDB cannot spill, and ran out of the default 1 GB at 10,000,000
-- registrations.
keyed AS (
    SELECT person, year, season, region_code,
           registration_key(registered_on, load_id, source_row) AS k
    FROM reg
),
top AS (
    SELECT person, year, season, max(k) AS k, min(region_code) AS lo, max(region_code) AS hi
    FROM keyed
    GROUP BY person, year, season
),
multi AS (
    SELECT person, year, season, list(DISTINCT region_code ORDER BY region_code) AS regions
    FROM reg
    SEMI JOIN (SELECT person, year, season FROM top WHERE lo <> hi) m USING (person, year, season)
    GROUP BY person, year, season
),
home AS (
    SELECT t.person, t.year, t.season, kd.region_code, coalesce(m.regions, [t.lo]) AS regions
    FROM top t
    JOIN keyed kd ON kd.k = t.k
    LEFT JOIN multi m ON m.person = t.person AND m.year = t.year AND m.season = t.season
),
latest AS (
    SELECT person, year, season,
           arg_max(passed, (exam_date, load_id, source_row)) FILTER (exam_type = 'physical') AS physical_passed,
           arg_max(passed, (exam_date, load_id, source_row)) FILTER (exam_type = 'political') AS political_passed
    FROM exams
    WHERE exam_date <= CAST(as_of AS DATE) AND exam_type IN ('physical', 'political')
      AND (y IS NULL OR year = y) AND (s IS NULL OR season = s)
    GROUP BY person, year, season
),
ap AS (
    SELECT person, year, season, arg_max(approved_on, (load_id, source_row)) AS approved_on
    FROM approvals
    WHERE (y IS NULL OR year = y) AND (s IS NULL OR season = s)
    GROUP BY person, year, season
),
issues AS (
    SELECT 'two_regions' AS issue, h.person, h.year, h.season, h.regions,
           'registered in ' || len(h.regions) || ' regions: ' || array_to_string(h.regions, ', ') AS detail
    FROM home h
    WHERE len(h.regions) > 1
    UNION ALL
    SELECT 'unqualified_approval', a.person, a.year, a.season, h.regions,
           CASE WHEN NOT coalesce(l.physical_passed, false) AND NOT coalesce(l.political_passed, false)
                     THEN 'approved ' || a.approved_on || ' with no passed physical or political review'
                WHEN NOT coalesce(l.physical_passed, false) THEN 'approved ' || a.approved_on || ' with no passed physical examination'
                ELSE 'approved ' || a.approved_on || ' with no passed political review' END
    FROM ap a
    LEFT JOIN latest l USING (person, year, season)
    LEFT JOIN home h USING (person, year, season)
    WHERE a.approved_on <= CAST(as_of AS DATE)
      AND NOT (coalesce(l.physical_passed, false) AND coalesce(l.political_passed, false))
    UNION ALL
    SELECT 'orphan', o.person, o.year, o.season, NULL,
           'no registration this season by the as-of date for its ' || string_agg(DISTINCT o.kind, ' and ' ORDER BY o.kind)
    FROM (
        SELECT person, year, season, 'exams' AS kind FROM exams
        WHERE exam_date <= CAST(as_of AS DATE) AND (y IS NULL OR year = y) AND (s IS NULL OR season = s)
        UNION ALL
        SELECT person, year, season, 'approval' FROM approvals
        WHERE approved_on <= CAST(as_of AS DATE) AND (y IS NULL OR year = y) AND (s IS NULL OR season = s)
    ) o
    WHERE NOT EXISTS (SELECT 1 FROM home h WHERE h.person = o.person AND h.year = o.year AND h.season = o.season)
    GROUP BY o.person, o.year, o.season
    UNION ALL
    SELECT DISTINCT 'age_rule', r.person, r.year, r.season, h.regions, f.detail
    FROM row_flags f
    JOIN reg r ON r.load_id = f.load_id AND r.source_row = f.source_row
    JOIN home h ON h.person = r.person AND h.year = r.year AND h.season = r.season
    WHERE f.flag = 'age_rule' AND f.kind = 'registrations'
)
SELECT
    i.issue, il.label AS issue_label,
    i.person, i.year, i.season, CAST(as_of AS DATE) AS as_of_date,
    h.region_code, rg.name AS region_name,
    CASE WHEN length(h.region_code) >= 6 THEN left(h.region_code, 6) END AS county_code, co.name AS county_name,
    CASE WHEN length(h.region_code) >= 4 THEN left(h.region_code, 4) END AS city_code, ci.name AS city_name,
    i.regions,
    i.detail
FROM issues i
LEFT JOIN home h USING (person, year, season)
LEFT JOIN regions rg ON rg.code = h.region_code
LEFT JOIN regions co ON co.code = left(h.region_code, 6)
LEFT JOIN regions ci ON ci.code = left(h.region_code, 4)
LEFT JOIN labels il ON il.field = 'integrity_issue' AND il.code = i.issue;
COMMENT ON MACRO TABLE integrity_people_at IS '廉洁征兵审计 (按人): one row per person, season and issue (two_regions, unqualified_approval, orphan, age_rule) as of a date, with the person key and the regions involved';

-- integrity_summary_at(as_of, y, s): integrity_people_at counted by issue,
-- region (county, where the person counts) and season: people, not rows.
CREATE OR REPLACE MACRO integrity_summary_at(as_of, y, s) AS TABLE
SELECT issue, issue_label, county_code, county_name, year, season, as_of_date, count(*) AS people
FROM integrity_people_at(as_of, y, s)
GROUP BY ALL;
COMMENT ON MACRO TABLE integrity_summary_at IS '廉洁征兵审计汇总 (按日期): integrity_people_at counted by issue, county and season (people, not rows; orphans under a NULL county)';

-- integrity_people: integrity_people_at for the session variables as_of,
-- year and season (all three required).
CREATE OR REPLACE VIEW integrity_people AS
SELECT * FROM integrity_people_at(model_parts.var_as_of('integrity_people'), model_parts.var_year('integrity_people'), model_parts.var_season('integrity_people'));
COMMENT ON VIEW integrity_people IS '廉洁征兵审计 (按人): integrity_people_at(as_of, year, season) for the session variables';
COMMENT ON COLUMN integrity_people.issue IS '问题代码: two_regions, unqualified_approval, orphan, age_rule';
COMMENT ON COLUMN integrity_people.issue_label IS '问题: 跨地区重复登记, 未双合格定兵, 无登记记录, 年龄不符';
COMMENT ON COLUMN integrity_people.person IS '人员代号: the pseudonymous key';
COMMENT ON COLUMN integrity_people.year IS '年度';
COMMENT ON COLUMN integrity_people.season IS '批次';
COMMENT ON COLUMN integrity_people.as_of_date IS '统计截止日期: judged by what was dated on or before it';
COMMENT ON COLUMN integrity_people.region_code IS '区划代码 where the person counts (latest registration by as-of); NULL for an orphan';
COMMENT ON COLUMN integrity_people.region_name IS '单位';
COMMENT ON COLUMN integrity_people.county_code IS '区县代码';
COMMENT ON COLUMN integrity_people.county_name IS '区县';
COMMENT ON COLUMN integrity_people.city_code IS '市代码';
COMMENT ON COLUMN integrity_people.city_name IS '市';
COMMENT ON COLUMN integrity_people.regions IS '涉及区划: every region the person registered in that season by as-of (NULL for an orphan)';
COMMENT ON COLUMN integrity_people.detail IS '说明';
