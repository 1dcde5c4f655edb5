-- person_flags_at(as_of, prev, y, s): the yes/no facts the metrics count for
-- each registered person by two dates (as_of and an earlier prev, the week
-- before for the bulletin's 较上周), one row per person, season and date
-- (t = 'cur' or 'prev'). Both dates come from one pass over each table,
-- with the earlier date as a filter on the same aggregates. It is the
-- metrics' engine, built for speed; analysts want person_facts_at (510):
-- one row per person with codes, labels, dates and reasons.
--
-- A person counts once per year and season, in the region of the latest
-- registration on or before the date (by registration date, then load, then
-- row); applied if any registration says so. Exams: the latest result of
-- each type on or before the date, so a re-examination that turns a fail
-- into a pass counts from its own date. Approvals: one per person and season
-- (the latest delivered record), counted when approved_on is on or before
-- the date, returned when returned_on is. Exams and approvals of people with
-- no registration by the date (orphans) appear nowhere. Female (the women's
-- track) and minority (any of the 56 peoples but 汉族, ethnic_groups) come
-- from the same latest registration, and so does student_school: its 院校
-- as written when the person is that school's student or its graduate of
-- the year (学业状态 在校生 or 应届毕业生), NULL for anyone else — the
-- spelling school_metrics_at (560) counts the person for, once it names a
-- university.
-- With prev NULL there are only the rows of as_of.
-- y and s pick one year and season (NULL for all), applied before grouping.
CREATE OR REPLACE MACRO person_flags_at(as_of, prev, y, s) AS TABLE
-- reg is read three times (the latest key, the rows joined back, the
-- spellings) and scanned anew each time (NOT MATERIALIZED): a scan of the
-- table costs 0.2 s at 10,000,000 registrations, where a materialised copy
-- outgrew the default 1 GB and each reading of it from the spill cost a
-- second (metrics_at 10.8 -> 8.7 s there, 1,000,000 unchanged).
WITH reg AS NOT MATERIALIZED (
    -- One sortable BIGINT for "latest": days since 2000 (16 bits, to 2179),
    -- then load (23 bits), then row (24 bits; the loader refuses files of
    -- more rows); unique per row, and far cheaper to compare than a tuple.
    SELECT person, year, season, registered_on, applied, region_code, education, student_status, major_category,
           gender, ethnicity, school,
           ((registered_on - DATE '2000-01-01')::BIGINT << 47) + (load_id << 24) + source_row AS k
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
-- Whether each spelling of an ethnicity the registrations use names a
-- minority, worked out once per spelling (a province has dozens) and
-- joined, instead of once per person and date (two million times).
minority_spellings AS (
    SELECT ethnicity, is_minority(ethnicity) AS minority
    FROM (SELECT DISTINCT ethnicity FROM reg WHERE ethnicity IS NOT NULL)
),
people AS (
    SELECT
        -- The person, year and season come from the latest row itself (the
        -- same as latest's: its key is theirs), so the join keeps only the
        -- keys and flags of latest in its hash table, not the 16-byte
        -- person and the season beside them: 110 MB less at 10,000,000
        -- registrations, where the reading is at the 1 GB default's edge.
        c.person, c.year, c.season, l.applied, l.prev_applied,
        c.region_code, c.education, c.student_status, c.major_category, c.gender, cm.minority,
        CASE WHEN c.student_status IN ('in_school', 'fresh_graduate') THEN c.school END AS student_school,
        -- The week before, the latest registration is nearly always the
        -- same row; only the few that differ are looked up again.
        CASE WHEN l.k_prev = l.k_cur THEN c.region_code ELSE p.region_code END AS prev_region_code,
        CASE WHEN l.k_prev = l.k_cur THEN c.education ELSE p.education END AS prev_education,
        CASE WHEN l.k_prev = l.k_cur THEN c.student_status ELSE p.student_status END AS prev_student_status,
        CASE WHEN l.k_prev = l.k_cur THEN c.major_category ELSE p.major_category END AS prev_major_category,
        CASE WHEN l.k_prev = l.k_cur THEN c.gender ELSE p.gender END AS prev_gender,
        CASE WHEN l.k_prev = l.k_cur THEN cm.minority ELSE pm.minority END AS prev_minority,
        CASE WHEN l.k_prev = l.k_cur THEN c.student_status ELSE p.student_status END IN ('in_school', 'fresh_graduate')
            AS prev_student,
        CASE WHEN l.k_prev = l.k_cur THEN c.school ELSE p.school END AS prev_school
    FROM latest l
    JOIN reg c ON c.k = l.k_cur
    LEFT JOIN minority_spellings cm ON cm.ethnicity = c.ethnicity
    LEFT JOIN (
        SELECT * FROM reg
        WHERE k IN (SELECT k_prev FROM latest WHERE k_prev <> k_cur)
    ) p ON p.k = l.k_prev
    LEFT JOIN minority_spellings pm ON pm.ethnicity = p.ethnicity
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
               -- Days (16 bits), load (22), row (24), result (1).
               ((exam_date - DATE '2000-01-01')::BIGINT << 47) + (load_id << 25) + (source_row::BIGINT << 1) + passed::BIGINT AS k
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
        SELECT *, (load_id << 24) + source_row AS k
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
-- One row per person and date; CASE picks the date's facts, so joined is
-- read once instead of materialised for two scans.
SELECT
    d.t,
    person, year, season,
    CASE WHEN d.cur THEN region_code ELSE prev_region_code END AS region_code,
    CASE WHEN d.cur THEN applied ELSE prev_applied END AS applied,
    (CASE WHEN d.cur THEN physical_passed ELSE prev_physical_passed END) IS NOT NULL AS physical_examined,
    coalesce(CASE WHEN d.cur THEN physical_passed ELSE prev_physical_passed END, false) AS physical_passed,
    (CASE WHEN d.cur THEN political_passed ELSE prev_political_passed END) IS NOT NULL AS political_reviewed,
    coalesce(CASE WHEN d.cur THEN political_passed ELSE prev_political_passed END, false) AS political_passed,
    coalesce(approved_on <= d.day, false) AS approved,
    coalesce(approved_on <= d.day AND returned_on <= d.day, false) AS returned,
    coalesce(approved_on <= d.day AND returned_on <= d.day AND return_responsible, false) AS responsible_returned,
    is_college(CASE WHEN d.cur THEN education ELSE prev_education END) AS college,
    coalesce(CASE WHEN d.cur THEN student_status ELSE prev_student_status END IN ('fresh_graduate', 'past_graduate'), false) AS graduated,
    coalesce(CASE WHEN d.cur THEN major_category ELSE prev_major_category END = 'stem', false) AS stem,
    -- The women's track (女兵) and ethnic minorities (少数民族), by the
    -- same latest registration.
    coalesce(CASE WHEN d.cur THEN gender ELSE prev_gender END = 'female', false) AS female,
    coalesce(CASE WHEN d.cur THEN minority ELSE prev_minority END, false) AS minority,
    CASE WHEN d.cur THEN student_school WHEN prev_student THEN prev_school END AS student_school
FROM joined
JOIN (SELECT 'cur' AS t, true AS cur, CAST(as_of AS DATE) AS day
      UNION ALL SELECT 'prev', false, CAST(prev AS DATE)) d
  ON d.cur OR prev_region_code IS NOT NULL;
COMMENT ON MACRO TABLE person_flags_at IS '人员计数标志 (两日期): the yes/no facts the metrics count per person, season and date (t = cur for as_of, prev for prev); for analysts person_facts_at is the readable form';
