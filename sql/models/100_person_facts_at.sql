-- person_facts_at(as_of, prev, y, s): what each registered person had done by
-- two dates (as_of and an earlier prev, the week before for the bulletin's
-- 较上周), one row per person, season and date (t = 'cur' or 'prev'). Both
-- dates come from one pass over each table, with the earlier date as a
-- filter on the same aggregates.
--
-- A person counts once per year and season, in the region of the latest
-- registration on or before the date (by registration date, then load, then
-- row); applied if any registration says so. Exams: the latest result of
-- each type on or before the date, so a re-examination that turns a fail
-- into a pass counts from its own date. Approvals: one per person and season
-- (the latest delivered record), counted when approved_on is on or before
-- the date, returned when returned_on is. Exams and approvals of people with
-- no registration by the date (orphans) appear nowhere.
-- y and s pick one year and season (NULL for all), applied before grouping.
CREATE OR REPLACE MACRO person_facts_at(as_of, prev, y, s) AS TABLE
WITH reg AS MATERIALIZED (
    -- One sortable number for "latest": date, then load, then row; unique
    -- per row.
    SELECT *, (epoch(registered_on)::HUGEINT << 64) + (load_id::HUGEINT << 32) + source_row AS k
    FROM registrations
    WHERE registered_on <= as_of
      AND (y IS NULL OR year = y) AND (s IS NULL OR season = s)
),
-- The latest registration by each date: the largest key, then its row.
-- (max over one number and a join back cost far less than an arg_max per
-- column on a million registrations.)
latest AS (
    SELECT
        person, year, season,
        max(k) AS k_cur,
        max(k) FILTER (registered_on <= prev) AS k_prev,
        bool_or(coalesce(applied, false)) AS applied,
        bool_or(coalesce(applied, false)) FILTER (registered_on <= prev) AS prev_applied
    FROM reg
    GROUP BY person, year, season
),
people AS (
    SELECT
        l.person, l.year, l.season, l.applied, l.prev_applied,
        c.region_code, c.education, c.student_status, c.major_category,
        p.region_code AS prev_region_code, p.education AS prev_education,
        p.student_status AS prev_student_status, p.major_category AS prev_major_category
    FROM latest l
    JOIN reg c ON c.k = l.k_cur
    LEFT JOIN reg p ON p.k = l.k_prev
),
-- Exam keys carry the result in their lowest bit, so the latest result by
-- each date is one max() with no join.
ex AS (
    SELECT
        person, year, season,
        max(k) FILTER (exam_type = 'physical') % 2 = 1 AS physical_passed,
        max(k) FILTER (exam_type = 'political') % 2 = 1 AS political_passed,
        max(k) FILTER (exam_type = 'physical' AND exam_date <= prev) % 2 = 1 AS prev_physical_passed,
        max(k) FILTER (exam_type = 'political' AND exam_date <= prev) % 2 = 1 AS prev_political_passed
    FROM (
        SELECT person, year, season, exam_type, exam_date,
               (((epoch(exam_date)::HUGEINT << 64) + (load_id::HUGEINT << 32) + source_row) << 1) + passed::INTEGER AS k
        FROM exams
        WHERE exam_date <= as_of AND exam_type IN ('physical', 'political')
          AND (y IS NULL OR year = y) AND (s IS NULL OR season = s))
    GROUP BY person, year, season
),
ap AS (
    SELECT
        person, year, season,
        arg_max(approved_on, k) AS approved_on,
        arg_max_null(returned_on, k) AS returned_on,
        arg_max_null(return_responsible, k) AS return_responsible
    FROM (
        SELECT *, (load_id::HUGEINT << 32) + source_row AS k
        FROM approvals
        WHERE (y IS NULL OR year = y) AND (s IS NULL OR season = s))
    GROUP BY person, year, season
),
joined AS (
    SELECT p.*, e.* EXCLUDE (person, year, season), a.* EXCLUDE (person, year, season)
    FROM people p
    LEFT JOIN ex e USING (person, year, season)
    LEFT JOIN ap a USING (person, year, season)
)
SELECT
    'cur' AS t,
    person, year, season, region_code,
    applied,
    physical_passed IS NOT NULL AS physical_examined,
    coalesce(physical_passed, false) AS physical_passed,
    political_passed IS NOT NULL AS political_reviewed,
    coalesce(political_passed, false) AS political_passed,
    coalesce(approved_on <= as_of, false) AS approved,
    coalesce(approved_on <= as_of AND returned_on <= as_of, false) AS returned,
    coalesce(approved_on <= as_of AND returned_on <= as_of AND return_responsible, false) AS responsible_returned,
    coalesce(education IN ('associate', 'bachelor', 'master', 'doctor'), false) AS college,
    coalesce(student_status IN ('fresh_graduate', 'past_graduate'), false) AS graduated,
    coalesce(major_category = 'stem', false) AS stem
FROM joined
UNION ALL
SELECT
    'prev' AS t,
    person, year, season, prev_region_code,
    prev_applied,
    prev_physical_passed IS NOT NULL,
    coalesce(prev_physical_passed, false),
    prev_political_passed IS NOT NULL,
    coalesce(prev_political_passed, false),
    coalesce(approved_on <= prev, false),
    coalesce(approved_on <= prev AND returned_on <= prev, false),
    coalesce(approved_on <= prev AND returned_on <= prev AND return_responsible, false),
    coalesce(prev_education IN ('associate', 'bachelor', 'master', 'doctor'), false),
    coalesce(prev_student_status IN ('fresh_graduate', 'past_graduate'), false),
    coalesce(prev_major_category = 'stem', false)
FROM joined
WHERE prev_region_code IS NOT NULL;
