-- approvals_at(as_of): approvals on or before a date, one per person and
-- season even when re-delivered (the latest delivery wins), with whether the
-- recruit had been returned by then.
CREATE OR REPLACE MACRO approvals_at(as_of) AS TABLE
WITH latest AS (
    SELECT person, year, season,
           max_by(struct_pack(approved_on, returned_on, return_responsible, return_reason),
                  (load_id, source_row)) AS a
    FROM approvals
    GROUP BY person, year, season
)
SELECT
    person,
    year,
    season,
    a.approved_on AS approved_on,
    coalesce(a.returned_on <= as_of, false) AS returned,
    coalesce(a.returned_on <= as_of AND a.return_responsible, false) AS responsible_returned,
    CASE WHEN a.returned_on <= as_of THEN a.return_reason END AS return_reason
FROM latest
WHERE a.approved_on <= as_of;
