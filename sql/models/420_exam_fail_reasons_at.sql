-- exam_fail_reasons_at(as_of, y, s): why people failed, for the bulletin's
-- 主要不合格原因. A person counts under the reason of their latest physical
-- (or political) result on or before as_of when that result is a fail — the
-- same latest result the metrics count, so for a region the people here sum
-- to physical_examined − physical_passed (political likewise). Counts roll
-- up from the people's own regions to every ancestor.
-- Columns: region_code (区划代码, every level), year (年度), season (批次),
-- exam_type (physical 体检 or political 政考), reason (不合格原因 as the
-- extract wrote it, trimmed; NULL when none was given), people (人数).
CREATE OR REPLACE MACRO exam_fail_reasons_at(as_of, y, s) AS TABLE
WITH levels AS (
    SELECT unnest([2, 4, 6, 9, 12]) AS n
),
latest AS (
    SELECT
        person, year, season, exam_type,
        max(k) % 2 = 1 AS passed,
        arg_max_null(reason, k) AS reason
    FROM (
        -- The key of person_facts_at: days, load, row, then the result bit.
        SELECT person, year, season, exam_type, nullif(trim(reason), '') AS reason,
               ((exam_date - DATE '2000-01-01')::BIGINT << 47) + (load_id << 25) + (source_row::BIGINT << 1) + passed::BIGINT AS k
        FROM exams
        WHERE exam_date <= as_of AND exam_type IN ('physical', 'political')
          AND (y IS NULL OR year = y) AND (s IS NULL OR season = s))
    GROUP BY person, year, season, exam_type
),
failing AS (
    SELECT * FROM latest WHERE NOT passed
),
-- The region of each failing person (their latest registration by as_of),
-- looked up for those people only.
region AS (
    SELECT person, year, season,
           arg_max(region_code, registration_key(registered_on, load_id, source_row)) AS region_code
    FROM registrations
    WHERE registered_on <= as_of
      AND (y IS NULL OR year = y) AND (s IS NULL OR season = s)
      AND person IN (SELECT person FROM failing)
    GROUP BY person, year, season
),
failed AS (
    SELECT r.region_code, f.year, f.season, f.exam_type, f.reason
    FROM failing f
    JOIN region r USING (person, year, season)
)
SELECT left(region_code, n) AS region_code, year, season, exam_type, reason, count(*) AS people
FROM failed, levels
WHERE length(region_code) >= n
GROUP BY ALL;
