-- resettlement_at(as_of): veterans discharged on or before a date, one per
-- person and discharge, in the county responsible for their placement. A
-- veteran belongs to the season of the discharge: January–June to season 1,
-- July–December to season 2, as the spring and autumn discharges fall.
CREATE OR REPLACE MACRO resettlement_at(as_of) AS TABLE
WITH latest AS (
    SELECT person, discharged_on,
           max_by(struct_pack(region_code, plan, placed_on, subsidy_paid_on), (load_id, source_row)) AS r
    FROM resettlement
    GROUP BY person, discharged_on
),
deadline AS (
    SELECT value::INTEGER AS days FROM settings WHERE name = 'subsidy_deadline_days'
)
SELECT
    r.region_code AS region_code,
    year(discharged_on) AS year,
    CASE WHEN month(discharged_on) <= 6 THEN 1 ELSE 2 END AS season,
    r.plan AS plan,
    discharged_on,
    CASE WHEN r.placed_on <= as_of THEN r.placed_on END AS placed_on,
    -- Due for the subsidy check once the deadline has passed.
    discharged_on + (SELECT days FROM deadline) <= as_of AS subsidy_due,
    coalesce(r.subsidy_paid_on <= discharged_on + (SELECT days FROM deadline), false) AS subsidy_on_time
FROM latest
WHERE discharged_on <= as_of;
