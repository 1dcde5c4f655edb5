-- approvals_by_week_at(as_of, y, s): cumulative approvals and returns at the
-- end of each week of the season, weeks ending on as_of, as_of − 7, … back to
-- the week holding the season's start (season_calendar), for every region.
-- People count in their region as of as_of throughout, so the last week
-- equals the metrics' approved and returned.
-- Columns: region_code (区划代码, every level), year, season, week_end (周末
-- 日期), approved (累计定兵), returned (累计退兵), net_approved (approved −
-- returned, what quota completion counts).
CREATE OR REPLACE MACRO approvals_by_week_at(as_of, y, s) AS TABLE
WITH ev AS (
    SELECT * FROM approval_outcomes_at(as_of, y, s)
),
weeks AS (
    SELECT st.year, st.season, CAST(as_of AS DATE) - (7 * i.k)::INTEGER AS week_end
    FROM (
        SELECT DISTINCT ev.year, ev.season,
               strptime(ev.year || '-' || c.start_md, '%Y-%m-%d')::DATE AS start
        FROM ev JOIN season_calendar c ON c.season = ev.season
    ) st, range(0, 60) i(k)
    WHERE i.k = 0 OR CAST(as_of AS DATE) - (7 * i.k)::INTEGER >= st.start
),
leaf AS (
    SELECT ev.region_code, ev.year, ev.season, w.week_end,
           count(*) FILTER (ev.approved_on <= w.week_end) AS approved,
           count(*) FILTER (ev.returned_on <= w.week_end) AS returned
    FROM ev JOIN weeks w USING (year, season)
    GROUP BY ALL
)
SELECT left(region_code, l.n) AS region_code, year, season, week_end,
       sum(approved)::BIGINT AS approved, sum(returned)::BIGINT AS returned,
       (sum(approved) - sum(returned))::BIGINT AS net_approved
FROM leaf, (SELECT unnest([2, 4, 6, 9, 12]) AS n) l
WHERE length(region_code) >= l.n
GROUP BY ALL;
