-- counts_pair_at(as_of, prev, y, s): every SPEC §7 count and rate for every
-- region, level, year and season, as of two dates at once (t = 'cur' for
-- as_of, 'prev' for prev), which is what the bulletin compares week on week.
-- Counts are summed bottom-up from the people's own regions (town or
-- village) to every ancestor; rates are then recomputed from the summed
-- numerators and denominators, never averaged, and are NULL where the
-- denominator is zero. Regions without data in a season that has data
-- appear with zeros (a real zero); a season with neither registrations nor
-- quotas in the province (one that appears only through its resettlement)
-- has has_data false and NULL conscription figures.
-- y and s select a year and season; NULL computes them all.
--
-- Women recruits (女兵): a quota row of track female is the women's quota.
-- A woman is counted against it — and left out of the general completion —
-- when a female quota row exists for her region or a region above it that
-- season (she is "covered"); female_quota of a region is its own female
-- row, else the sum of the nearest female rows below it, as for quota.
-- Where no female quota covers her she counts as before, in quota_completion
-- with everyone else; with no female row anywhere, every figure is what it
-- was before tracks existed. quota is the general (male, or unspecified)
-- track's quota.
-- Ethnic minorities (少数民族): people whose latest registration gives one of
-- the 56 peoples other than 汉族 (is_minority, sql/data/ethnic_groups.csv).
-- counts_at (below) is the one-date form. What analysts and the bulletin
-- read is metrics_at (210, the metrics view for any date): these counts and
-- rates plus pace, week-on-week change, scores, ranks and the bulletin's
-- verdicts. counts_at is the cheaper building block (one date, no
-- judgement), as metrics_year_on_year_at uses it.
--
-- model_parts.leaf_counts_at(as_of, prev, y, s): person_flags_at counted by
-- date (t), the people's own region (town or village), season and the
-- school they are students of (student_school, NULL for most people): the one
-- reading of the people that both the regions' figures
-- (model_parts.counts_pair_of, below) and the universities'
-- (model_parts.school_metrics_of, 560) sum. A bulletin keeps it in a
-- temporary table and gives it to both, instead of reading the people of
-- the province twice (a third of its time at 1,000,000 registrations).
-- model_parts.counts_pair_of(as_of, prev, y, s, leaf_rows) is counts_pair_at
-- from such rows (a table or CTE name), read with the same dates, year and
-- season. Macros over a table their caller names live in model_parts
-- (see 561).
CREATE OR REPLACE MACRO model_parts.leaf_counts_at(as_of, prev, y, s) AS TABLE
SELECT
    t, region_code, year, season, student_school,
    count(*) AS registered,
    count(*) FILTER (applied) AS applied,
    count(*) FILTER (physical_examined) AS physical_examined,
    count(*) FILTER (physical_passed) AS physical_passed,
    count(*) FILTER (political_reviewed) AS political_reviewed,
    count(*) FILTER (political_passed) AS political_passed,
    count(*) FILTER (physical_passed AND political_passed) AS double_qualified,
    count(*) FILTER (approved) AS approved,
    count(*) FILTER (approved AND returned) AS returned,
    count(*) FILTER (approved AND responsible_returned) AS responsible_returned,
    count(*) FILTER (approved AND college) AS college_approved,
    count(*) FILTER (approved AND college AND graduated) AS graduate_approved,
    count(*) FILTER (approved AND college AND stem) AS stem_approved,
    count(*) FILTER (female) AS female_registered,
    count(*) FILTER (female AND applied) AS female_applied,
    count(*) FILTER (female AND physical_passed AND political_passed) AS female_double_qualified,
    count(*) FILTER (female AND approved) AS female_approved,
    count(*) FILTER (female AND approved AND returned) AS female_returned,
    count(*) FILTER (minority) AS minority_registered,
    count(*) FILTER (minority AND applied) AS minority_applied,
    count(*) FILTER (minority AND approved) AS minority_approved
FROM person_flags_at(as_of, prev, y, s)
GROUP BY t, region_code, year, season, student_school;

CREATE OR REPLACE MACRO model_parts.counts_pair_of(as_of, prev, y, s, leaf_rows) AS TABLE
WITH levels AS (
    SELECT unnest([2, 4, 6, 9, 12]) AS n
),
-- The latest delivered row of each region, season and track. A row naming
-- a university (school_code) is that university's own quota
-- (school_metrics_at), never a region's.
quota_track_rows AS (
    SELECT year, season, region_code, coalesce(track, 'male') AS track,
           max_by(struct_pack(quota, college_target, graduate_target), (load_id, source_row)) AS q
    FROM quotas
    WHERE (y IS NULL OR year = y) AND (s IS NULL OR season = s) AND school_code IS NULL
    GROUP BY year, season, region_code, coalesce(track, 'male')
),
female_quota_rows AS (
    SELECT year, season, region_code, q.quota AS quota FROM quota_track_rows WHERE track = 'female'
),
dates AS (
    SELECT 'cur' AS t, CAST(as_of AS DATE) AS d UNION ALL SELECT 'prev', CAST(prev AS DATE)
),
-- The people counted once by their own region, the bulletin's two dates
-- and the university they count for (model_parts.leaf_counts_at), summed
-- here over the universities.
leaf AS (
    SELECT
        t, region_code, year, season,
        sum(registered)::BIGINT AS registered,
        sum(applied)::BIGINT AS applied,
        sum(physical_examined)::BIGINT AS physical_examined,
        sum(physical_passed)::BIGINT AS physical_passed,
        sum(political_reviewed)::BIGINT AS political_reviewed,
        sum(political_passed)::BIGINT AS political_passed,
        sum(double_qualified)::BIGINT AS double_qualified,
        sum(approved)::BIGINT AS approved,
        sum(returned)::BIGINT AS returned,
        sum(responsible_returned)::BIGINT AS responsible_returned,
        sum(college_approved)::BIGINT AS college_approved,
        sum(graduate_approved)::BIGINT AS graduate_approved,
        sum(stem_approved)::BIGINT AS stem_approved,
        sum(female_registered)::BIGINT AS female_registered,
        sum(female_applied)::BIGINT AS female_applied,
        sum(female_double_qualified)::BIGINT AS female_double_qualified,
        sum(female_approved)::BIGINT AS female_approved,
        sum(female_returned)::BIGINT AS female_returned,
        sum(minority_registered)::BIGINT AS minority_registered,
        sum(minority_applied)::BIGINT AS minority_applied,
        sum(minority_approved)::BIGINT AS minority_approved
    FROM query_table(leaf_rows)
    GROUP BY t, region_code, year, season
),
-- The people's own regions a female quota covers: one at the region or
-- above it, the same season.
covered AS (
    SELECT DISTINCT l.region_code, l.year, l.season
    FROM (SELECT DISTINCT region_code, year, season FROM leaf) l
    JOIN female_quota_rows f
      ON f.year = l.year AND f.season = l.season AND starts_with(l.region_code, f.region_code)
),
rolled AS (
    SELECT
        t, left(region_code, n) AS region_code, year, season,
        sum(registered) AS registered,
        sum(applied) AS applied,
        sum(physical_examined) AS physical_examined,
        sum(physical_passed) AS physical_passed,
        sum(political_reviewed) AS political_reviewed,
        sum(political_passed) AS political_passed,
        sum(double_qualified) AS double_qualified,
        sum(approved) AS approved,
        sum(returned) AS returned,
        sum(responsible_returned) AS responsible_returned,
        sum(college_approved) AS college_approved,
        sum(graduate_approved) AS graduate_approved,
        sum(stem_approved) AS stem_approved,
        sum(female_registered) AS female_registered,
        sum(female_applied) AS female_applied,
        sum(female_double_qualified) AS female_double_qualified,
        sum(female_approved) AS female_approved,
        sum(female_returned) AS female_returned,
        -- Women counted against a female quota: approved less returned.
        sum(female_approved - female_returned) FILTER (c.region_code IS NOT NULL) AS female_counted,
        sum(minority_registered) AS minority_registered,
        sum(minority_applied) AS minority_applied,
        sum(minority_approved) AS minority_approved
    FROM leaf LEFT JOIN covered c USING (region_code, year, season), levels
    WHERE length(region_code) >= n
    GROUP BY ALL
),
settled AS (
    SELECT
        t, left(region_code, n) AS region_code, year, season,
        count(*) FILTER (placement_due) AS placement_due,
        count(*) FILTER (plan = 'assigned_job' AND placed_on IS NOT NULL) AS placed,
        sum(placed_on - discharged_on) FILTER (plan = 'assigned_job' AND placed_on IS NOT NULL) AS placement_days,
        count(*) FILTER (plan = 'self_employed') AS self_employed,
        count(*) FILTER (plan = 'self_employed' AND subsidy_due) AS subsidy_due,
        count(*) FILTER (plan = 'self_employed' AND subsidy_due AND subsidy_on_time) AS subsidy_on_time
    FROM (SELECT 'cur' AS t, * FROM resettlement_at(as_of, y, s)
          UNION ALL SELECT 'prev' AS t, * FROM resettlement_at(prev, y, s)), levels
    WHERE length(region_code) >= n
    GROUP BY ALL
),
-- The quota row that counts for a region and season is the latest delivered.
-- The general track's rows (male, or no track given): quota and targets.
quota_rows AS (
    SELECT year, season, region_code, q FROM quota_track_rows WHERE track = 'male'
),
-- A region without its own quota row gets the sum of the nearest rows below
-- it: a row counts for an ancestor when no row stands between them.
quota_up AS (
    SELECT r.year, r.season, left(r.region_code, n) AS region_code, r.q.quota AS quota
    FROM quota_rows r, levels
    WHERE length(r.region_code) >= n
      AND NOT EXISTS (
          SELECT 1 FROM quota_rows m
          WHERE m.year = r.year AND m.season = r.season
            AND starts_with(r.region_code, m.region_code)
            AND length(m.region_code) >= n AND length(m.region_code) < length(r.region_code))
),
quota_eff AS (
    SELECT year, season, region_code, sum(quota) AS quota
    FROM quota_up
    GROUP BY ALL
),
-- The women's quota by the same rule, from the female rows.
female_quota_up AS (
    SELECT r.year, r.season, left(r.region_code, n) AS region_code, r.quota
    FROM female_quota_rows r, levels
    WHERE length(r.region_code) >= n
      AND NOT EXISTS (
          SELECT 1 FROM female_quota_rows m
          WHERE m.year = r.year AND m.season = r.season
            AND starts_with(r.region_code, m.region_code)
            AND length(m.region_code) >= n AND length(m.region_code) < length(r.region_code))
),
female_quota_eff AS (
    SELECT year, season, region_code, sum(quota) AS female_quota
    FROM female_quota_up
    GROUP BY ALL
),
-- The seasons of each province that appear, and whether each has data of
-- its own: registrations or quota rows. A season that appears only through
-- resettlement (veterans discharged in its half-year) has none, and its
-- conscription figures are NULL rather than zeros that look like a result.
seasons AS (
    SELECT province, year, season, bool_or(own) AS has_data
    FROM (
        SELECT DISTINCT left(region_code, 2) AS province, year, season, true AS own FROM leaf
        UNION ALL SELECT DISTINCT left(region_code, 2), year, season, true FROM quota_track_rows
        UNION ALL SELECT DISTINCT left(region_code, 2), year, season, false FROM settled)
    GROUP BY ALL
),
-- Every region down to town of a province with data that season, plus any
-- deeper or unlisted code the data itself carries.
frame AS (
    SELECT dates.t, dates.d, f.*, s.has_data
    FROM dates, (
        SELECT r.code AS region_code, r.name AS region_name, s.year, s.season
        FROM regions r
        JOIN seasons s ON s.province = left(r.code, 2)
        WHERE r.level <= 4
        UNION
        SELECT c.region_code, coalesce(r.name, c.region_code), c.year, c.season
        FROM (SELECT region_code, year, season FROM rolled
              UNION SELECT region_code, year, season FROM settled) c
        LEFT JOIN regions r ON r.code = c.region_code
    ) f
    JOIN seasons s ON s.province = left(f.region_code, 2) AND s.year = f.year AND s.season = f.season
),
-- College and graduate targets: the nearest quota row at or above the
-- region that sets one, else the configured default.
target_rows AS (
    SELECT f.region_code, f.year, f.season,
           max_by(r.q.college_target, length(r.region_code)) FILTER (r.q.college_target IS NOT NULL) AS college_target,
           max_by(r.q.graduate_target, length(r.region_code)) FILTER (r.q.graduate_target IS NOT NULL) AS graduate_target
    FROM (
        SELECT DISTINCT f.region_code, f.year, f.season, left(f.region_code, levels.n) AS ancestor
        FROM frame f JOIN levels ON length(f.region_code) >= levels.n
    ) f
    JOIN quota_rows r ON r.region_code = f.ancestor AND r.year = f.year AND r.season = f.season
    GROUP BY ALL
),
defaults AS (
    SELECT
        max(value) FILTER (name = 'target.college_ratio') AS college_target,
        max(value) FILTER (name = 'target.graduate_ratio') AS graduate_target
    FROM settings
),
counts AS (
    SELECT
        f.t,
        f.region_code,
        f.region_name,
        length(f.region_code) AS code_length,
        f.year,
        f.season,
        f.d AS as_of_date,
        f.has_data,
        CASE WHEN f.has_data THEN coalesce(q.quota, 0)::BIGINT END AS quota,
        CASE WHEN f.has_data THEN coalesce(m.registered, 0)::BIGINT END AS registered,
        CASE WHEN f.has_data THEN coalesce(m.applied, 0)::BIGINT END AS applied,
        CASE WHEN f.has_data THEN coalesce(m.physical_examined, 0)::BIGINT END AS physical_examined,
        CASE WHEN f.has_data THEN coalesce(m.physical_passed, 0)::BIGINT END AS physical_passed,
        CASE WHEN f.has_data THEN coalesce(m.political_reviewed, 0)::BIGINT END AS political_reviewed,
        CASE WHEN f.has_data THEN coalesce(m.political_passed, 0)::BIGINT END AS political_passed,
        CASE WHEN f.has_data THEN coalesce(m.double_qualified, 0)::BIGINT END AS double_qualified,
        CASE WHEN f.has_data THEN coalesce(m.approved, 0)::BIGINT END AS approved,
        CASE WHEN f.has_data THEN coalesce(m.returned, 0)::BIGINT END AS returned,
        CASE WHEN f.has_data THEN coalesce(m.responsible_returned, 0)::BIGINT END AS responsible_returned,
        CASE WHEN f.has_data THEN coalesce(m.college_approved, 0)::BIGINT END AS college_approved,
        CASE WHEN f.has_data THEN coalesce(m.graduate_approved, 0)::BIGINT END AS graduate_approved,
        CASE WHEN f.has_data THEN coalesce(m.stem_approved, 0)::BIGINT END AS stem_approved,
        coalesce(s.placement_due, 0)::BIGINT AS placement_due,
        coalesce(s.placed, 0)::BIGINT AS placed,
        coalesce(s.placement_days, 0)::BIGINT AS placement_days,
        coalesce(s.self_employed, 0)::BIGINT AS self_employed,
        coalesce(s.subsidy_due, 0)::BIGINT AS subsidy_due,
        coalesce(s.subsidy_on_time, 0)::BIGINT AS subsidy_on_time,
        CASE WHEN f.has_data THEN coalesce(m.female_registered, 0)::BIGINT END AS female_registered,
        CASE WHEN f.has_data THEN coalesce(m.female_applied, 0)::BIGINT END AS female_applied,
        CASE WHEN f.has_data THEN coalesce(m.female_double_qualified, 0)::BIGINT END AS female_double_qualified,
        CASE WHEN f.has_data THEN coalesce(m.female_approved, 0)::BIGINT END AS female_approved,
        CASE WHEN f.has_data THEN coalesce(m.female_returned, 0)::BIGINT END AS female_returned,
        CASE WHEN f.has_data THEN coalesce(m.female_counted, 0)::BIGINT END AS female_counted,
        CASE WHEN f.has_data THEN coalesce(fq.female_quota, 0)::BIGINT END AS female_quota,
        CASE WHEN f.has_data THEN coalesce(m.minority_registered, 0)::BIGINT END AS minority_registered,
        CASE WHEN f.has_data THEN coalesce(m.minority_applied, 0)::BIGINT END AS minority_applied,
        CASE WHEN f.has_data THEN coalesce(m.minority_approved, 0)::BIGINT END AS minority_approved,
        coalesce(t.college_target, d.college_target) AS college_target,
        coalesce(t.graduate_target, d.graduate_target) AS graduate_target,
        -- The names above the region, so a report needs no join to regions.
        pr.name AS province_name, ci.name AS city_name, co.name AS county_name, tw.name AS town_name
    FROM frame f
    CROSS JOIN defaults d
    LEFT JOIN rolled m USING (t, region_code, year, season)
    LEFT JOIN settled s USING (t, region_code, year, season)
    LEFT JOIN quota_eff q USING (region_code, year, season)
    LEFT JOIN female_quota_eff fq USING (region_code, year, season)
    LEFT JOIN target_rows t USING (region_code, year, season)
    LEFT JOIN regions pr ON pr.code = left(f.region_code, 2)
    -- Plain equality joins (a code too short to have that ancestor joins
    -- nothing): an extra condition beside the equality made these a
    -- nested loop, forty times slower.
    LEFT JOIN regions ci ON ci.code = CASE WHEN length(f.region_code) >= 4 THEN left(f.region_code, 4) END
    LEFT JOIN regions co ON co.code = CASE WHEN length(f.region_code) >= 6 THEN left(f.region_code, 6) END
    LEFT JOIN regions tw ON tw.code = CASE WHEN length(f.region_code) >= 9 THEN left(f.region_code, 9) END
)
SELECT
    t,
    region_code,
    region_name,
    CASE code_length WHEN 2 THEN 1 WHEN 4 THEN 2 WHEN 6 THEN 3 WHEN 9 THEN 4 ELSE 5 END AS level,
    CASE code_length WHEN 2 THEN NULL WHEN 4 THEN left(region_code, 2) WHEN 6 THEN left(region_code, 4)
                     WHEN 9 THEN left(region_code, 6) ELSE left(region_code, 9) END AS parent_code,
    year, season, as_of_date,
    quota, registered, applied,
    applied / nullif(quota, 0) AS applied_to_quota,
    physical_examined, physical_passed,
    physical_passed / nullif(physical_examined, 0) AS physical_pass_rate,
    political_reviewed, political_passed,
    political_passed / nullif(political_reviewed, 0) AS political_pass_rate,
    double_qualified,
    approved, returned, responsible_returned,
    -- Women counted against a female quota are not in the general track's.
    (approved - returned - female_counted) / nullif(quota, 0) AS quota_completion,
    college_approved,
    college_approved / nullif(approved, 0) AS college_ratio,
    graduate_approved,
    graduate_approved / nullif(approved, 0) AS graduate_ratio,
    stem_approved,
    stem_approved / nullif(college_approved, 0) AS stem_ratio,
    returned / nullif(approved, 0) AS return_rate,
    placement_due, placed,
    placed / nullif(placement_due, 0) AS placement_rate,
    placement_days / nullif(placed, 0) AS avg_placement_days,
    self_employed, subsidy_due, subsidy_on_time,
    subsidy_on_time / nullif(subsidy_due, 0) AS subsidy_on_time_rate,
    college_target, graduate_target,
    -- Added last, so readers of the earlier columns by position see them
    -- where they were.
    has_data,
    CASE code_length WHEN 2 THEN NULL WHEN 4 THEN province_name WHEN 6 THEN city_name
                     WHEN 9 THEN county_name ELSE town_name END AS parent_name,
    province_name, city_name, county_name,
    -- The women's track (女兵) and ethnic minorities (少数民族).
    female_quota, female_registered, female_applied, female_double_qualified,
    female_approved, female_returned, female_counted,
    female_counted / nullif(female_quota, 0) AS female_quota_completion,
    minority_registered, minority_applied, minority_approved,
    minority_registered / nullif(registered, 0) AS minority_registered_share,
    minority_applied / nullif(applied, 0) AS minority_applied_share,
    minority_approved / nullif(approved, 0) AS minority_approved_share
FROM counts;

CREATE OR REPLACE MACRO counts_pair_at(as_of, prev, y, s) AS TABLE
WITH leaf_rows AS (SELECT * FROM model_parts.leaf_counts_at(as_of, prev, y, s))
SELECT * FROM model_parts.counts_pair_of(as_of, prev, y, s, leaf_rows);

-- counts_at(as_of, y, s): the same for one date. With no earlier date
-- (NULL) the people are read for as_of alone, not twice (a quarter less
-- time at 1,000,000 registrations).
CREATE OR REPLACE MACRO counts_at(as_of, y, s) AS TABLE
SELECT * EXCLUDE (t) FROM counts_pair_at(as_of, NULL, y, s) WHERE t = 'cur';
COMMENT ON MACRO TABLE counts_pair_at IS '计数与比率 (两日期): counts_at as of two dates at once (t = cur for as_of, prev for prev), the basis of the week-on-week change';
COMMENT ON MACRO TABLE model_parts.leaf_counts_at IS '人员计数 (按区划、高校): person_flags_at counted by date, own region, season and school of its students (student_school), what counts_pair_of and school_metrics_of sum';
COMMENT ON MACRO TABLE model_parts.counts_pair_of IS '计数与比率 (给定人员计数): counts_pair_at over rows of leaf_counts_at already read (a table or CTE name)';
COMMENT ON MACRO TABLE counts_at IS '计数与比率: every SPEC §7 count and rate by region for a date, year and season, and nothing else — no pace, week-on-week change, score, rank or verdict (metrics_at, the full form, adds those)';
