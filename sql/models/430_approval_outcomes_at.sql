-- approval_outcomes_at(as_of, y, s): one row per approved person (approved_on
-- on or before as_of), with the region they count in and what became of the
-- approval — the base of the bulletin's return reasons and its cumulative
-- approvals by week. One approval per person and season: the latest
-- delivered record, as person_facts_at takes it.
-- Columns: region_code (区划代码 of the person's latest registration by
-- as_of), year (年度), season (批次), approved_on (批准入伍日期), returned_on
-- (退兵日期 when on or before as_of, else NULL), return_reason (退兵原因,
-- trimmed, NULL when none), responsible (有责退兵: returned and marked 有责).
CREATE OR REPLACE MACRO approval_outcomes_at(as_of, y, s) AS TABLE
WITH ap AS MATERIALIZED (
    SELECT
        person, year, season,
        arg_max(approved_on, k) AS approved_on,
        arg_max_null(returned_on, k) AS returned_on,
        arg_max_null(return_reason, k) AS return_reason,
        arg_max_null(return_responsible, k) AS return_responsible
    FROM (
        SELECT *, (load_id << 24) + source_row AS k
        FROM approvals
        WHERE (y IS NULL OR year = y) AND (s IS NULL OR season = s))
    GROUP BY person, year, season
),
-- The region of each approved person (their latest registration by as_of),
-- looked up for those people only.
region AS (
    SELECT person, year, season,
           arg_max(region_code, registration_key(registered_on, load_id, source_row)) AS region_code
    FROM registrations
    WHERE registered_on <= as_of
      AND (y IS NULL OR year = y) AND (s IS NULL OR season = s)
      AND person IN (SELECT person FROM ap WHERE approved_on <= as_of)
    GROUP BY person, year, season
)
SELECT
    r.region_code, ap.year, ap.season, ap.approved_on,
    CASE WHEN ap.returned_on <= as_of THEN ap.returned_on END AS returned_on,
    CASE WHEN ap.returned_on <= as_of THEN nullif(trim(ap.return_reason), '') END AS return_reason,
    coalesce(ap.returned_on <= as_of AND ap.return_responsible, false) AS responsible
FROM ap
JOIN region r USING (person, year, season)
WHERE ap.approved_on <= as_of;
