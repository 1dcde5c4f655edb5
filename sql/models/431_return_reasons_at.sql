-- return_reasons_at(as_of, y, s): returns by reason for every region (rolled
-- up to every ancestor); for a region they sum to the metrics' returned.
-- Columns: region_code (区划代码, every level), year, season, reason (退兵原因,
-- NULL when none given), returned (退兵数), responsible_returned (有责退兵).
CREATE OR REPLACE MACRO return_reasons_at(as_of, y, s) AS TABLE
SELECT left(o.region_code, l.n) AS region_code, o.year, o.season, o.return_reason AS reason,
       count(*) AS returned, count(*) FILTER (o.responsible) AS responsible_returned
FROM approval_outcomes_at(as_of, y, s) o, (SELECT unnest([2, 4, 6, 9, 12]) AS n) l
WHERE o.returned_on IS NOT NULL AND length(o.region_code) >= l.n
GROUP BY ALL;
