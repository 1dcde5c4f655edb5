-- resettlement_at(as_of, y, s): veterans discharged on or before a date, one per
-- person and discharge, in the county responsible for their placement. A
-- veteran belongs to the season of the discharge: January–June to season 1,
-- July–December to season 2, as the spring and autumn discharges fall.
-- placement_due: a veteran with an assigned job is due for placement once
-- placement_window_days (enlist.yaml) have passed since discharge, or as soon
-- as placed: placement starts after discharge, so a veteran discharged this
-- week is not yet a shortfall (as the subsidy waits for its deadline).
CREATE OR REPLACE MACRO resettlement_at(as_of, y, s) AS TABLE
WITH latest AS (
    SELECT person, discharged_on,
           arg_max(region_code, k) AS region_code,
           arg_max(plan, k) AS plan,
           arg_max_null(placed_on, k) AS placed_on,
           arg_max_null(subsidy_paid_on, k) AS subsidy_paid_on
    FROM (SELECT *, (load_id << 24) + source_row AS k FROM resettlement)
    WHERE (y IS NULL OR year(discharged_on) = y)
      AND (s IS NULL OR (CASE WHEN month(discharged_on) <= 6 THEN 1 ELSE 2 END) = s)
    GROUP BY person, discharged_on
),
deadline AS (
    SELECT value::INTEGER AS days FROM settings WHERE name = 'subsidy_deadline_days'
),
window_days AS (
    SELECT coalesce(max(value) FILTER (name = 'placement_window_days'), 0)::INTEGER AS days FROM settings
)
SELECT
    region_code,
    year(discharged_on) AS year,
    CASE WHEN month(discharged_on) <= 6 THEN 1 ELSE 2 END AS season,
    plan,
    discharged_on,
    CASE WHEN placed_on <= as_of THEN placed_on END AS placed_on,
    plan = 'assigned_job' AND (coalesce(placed_on <= as_of, false) OR discharged_on + (SELECT days FROM window_days) <= as_of) AS placement_due,
    -- Due for the subsidy check once the deadline has passed.
    discharged_on + (SELECT days FROM deadline) <= as_of AS subsidy_due,
    coalesce(subsidy_paid_on <= discharged_on + (SELECT days FROM deadline), false) AS subsidy_on_time
FROM latest
WHERE discharged_on <= as_of;
COMMENT ON MACRO TABLE resettlement_at IS '退役安置 (按日期): veterans discharged on or before a date, one per person and discharge, in the county of placement, with their plan, placement and subsidy status';
