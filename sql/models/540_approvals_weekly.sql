-- approvals_weekly_at(as_of, y, s): approvals_by_week_at (432) with the
-- calendar beside each week and the week's own movement: the ISO year and
-- week of the week's last day, the week of the season (1 = the week holding
-- the season's start, season_calendar), region names, and the approvals and
-- returns of that week alone (this week against the cumulative of the week
-- before), so "this week vs last" is a filter, not a window function.
CREATE OR REPLACE MACRO approvals_weekly_at(as_of, y, s) AS TABLE
WITH w AS (
    SELECT * FROM approvals_by_week_at(as_of, y, s)
)
SELECT
    w.region_code, rg.name AS region_name, length(w.region_code) AS code_length,
    CASE length(w.region_code) WHEN 2 THEN NULL WHEN 4 THEN left(w.region_code, 2) WHEN 6 THEN left(w.region_code, 4)
         WHEN 9 THEN left(w.region_code, 6) ELSE left(w.region_code, 9) END AS parent_code,
    ci.name AS city_name, co.name AS county_name,
    w.year, w.season, w.week_end,
    isoyear(w.week_end)::INTEGER AS iso_year,
    week(w.week_end)::INTEGER AS iso_week,
    ((w.week_end - strptime(w.year || '-' || c.start_md, '%Y-%m-%d')::DATE) // 7 + 1)::INTEGER AS season_week,
    w.approved, w.returned, w.net_approved,
    w.approved - coalesce(lag(w.approved) OVER win, 0) AS approved_in_week,
    w.returned - coalesce(lag(w.returned) OVER win, 0) AS returned_in_week,
    row_number() OVER (PARTITION BY w.region_code, w.year, w.season ORDER BY w.week_end DESC) AS weeks_back
FROM w
JOIN season_calendar c ON c.season = w.season
LEFT JOIN regions rg ON rg.code = w.region_code
LEFT JOIN regions ci ON ci.code = CASE WHEN length(w.region_code) >= 4 THEN left(w.region_code, 4) END
LEFT JOIN regions co ON co.code = CASE WHEN length(w.region_code) >= 6 THEN left(w.region_code, 6) END
WINDOW win AS (PARTITION BY w.region_code, w.year, w.season ORDER BY w.week_end);
COMMENT ON MACRO TABLE approvals_weekly_at IS '定兵周报: cumulative approvals and returns week by week (weeks ending on as_of, as_of − 7 …) with ISO week, week of season, region names and each week''s own approvals and returns';

-- approvals_weekly: approvals_weekly_at for the session variables.
CREATE OR REPLACE VIEW approvals_weekly AS
SELECT * FROM approvals_weekly_at(model_parts.var_as_of('approvals_weekly'), model_parts.var_year('approvals_weekly'), model_parts.var_season('approvals_weekly'));
COMMENT ON VIEW approvals_weekly IS '定兵周报: approvals_weekly_at(as_of, year, season) for the session variables';
COMMENT ON COLUMN approvals_weekly.region_code IS '区划代码 (every level)';
COMMENT ON COLUMN approvals_weekly.region_name IS '单位';
COMMENT ON COLUMN approvals_weekly.code_length IS '代码位数: 2 province, 4 city, 6 county, 9 town, 12 village';
COMMENT ON COLUMN approvals_weekly.parent_code IS '上级区划代码';
COMMENT ON COLUMN approvals_weekly.city_name IS '市';
COMMENT ON COLUMN approvals_weekly.county_name IS '区县';
COMMENT ON COLUMN approvals_weekly.year IS '年度';
COMMENT ON COLUMN approvals_weekly.season IS '批次';
COMMENT ON COLUMN approvals_weekly.week_end IS '周末日期: the last day of the week (as_of, as_of − 7, …)';
COMMENT ON COLUMN approvals_weekly.iso_year IS 'ISO 年 of week_end';
COMMENT ON COLUMN approvals_weekly.iso_week IS 'ISO 周次 of week_end (1–53)';
COMMENT ON COLUMN approvals_weekly.season_week IS '征兵第几周: 1 for the week holding the season''s start (season_calendar)';
COMMENT ON COLUMN approvals_weekly.approved IS '累计定兵 by week_end';
COMMENT ON COLUMN approvals_weekly.returned IS '累计退兵 by week_end';
COMMENT ON COLUMN approvals_weekly.net_approved IS '累计净定兵 = approved − returned (what quota completion counts)';
COMMENT ON COLUMN approvals_weekly.approved_in_week IS '本周定兵: approvals in the seven days ending week_end';
COMMENT ON COLUMN approvals_weekly.returned_in_week IS '本周退兵: returns in the seven days ending week_end';
COMMENT ON COLUMN approvals_weekly.weeks_back IS '周序: 1 for the week ending as_of (this week), 2 for the week before (last week) …';
