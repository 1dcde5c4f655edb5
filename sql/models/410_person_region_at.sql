-- registration_key(registered_on, load_id, source_row): the order in which a
-- person's registrations supersede each other — registration date, then
-- load, then row — as one sortable BIGINT (days since 2000 in the high bits),
-- the key person_facts_at (100) uses for "latest registration".
CREATE OR REPLACE MACRO registration_key(registered_on, load_id, source_row) AS
    ((registered_on - DATE '2000-01-01')::BIGINT << 47) + (load_id << 24) + source_row;

-- person_region_at(as_of, y, s): the region each registered person counts in
-- on a date — that of their latest registration on or before it — exactly
-- as person_facts_at places them, so the bulletin's breakdowns (failure and
-- return reasons, approvals by week) add up to the metrics. y and s pick one
-- year and season (NULL for all). The report models below look up only the
-- few people they need with the same key, which is far cheaper than this
-- whole table on a large province.
-- Columns: person (人员代号), year (年度), season (批次), region_code (区划代码
-- of the latest registration, town or lower where the file had it).
CREATE OR REPLACE MACRO person_region_at(as_of, y, s) AS TABLE
SELECT
    person, year, season,
    arg_max(region_code, registration_key(registered_on, load_id, source_row)) AS region_code
FROM registrations
WHERE registered_on <= as_of
  AND (y IS NULL OR year = y) AND (s IS NULL OR season = s)
GROUP BY person, year, season;
