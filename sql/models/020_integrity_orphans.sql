-- orphan_records: exam and approval rows for a person with no registration in
-- that year and season (SPEC §4: kept, flagged, counted in no region).
-- Written as a left join kept where nothing matched: DuckDB builds the hash
-- table on the smaller side (the exams and approvals), where NOT EXISTS
-- built it on every registration (0.72 -> 0.47 s at 10,000,000
-- registrations). An exam row matching several registrations is dropped
-- by the filter, so each orphan appears once.
CREATE OR REPLACE VIEW orphan_records AS
SELECT 'exams' AS kind, e.load_id, e.source_row, e.year, e.season
FROM exams e
LEFT JOIN registrations r ON r.person = e.person AND r.year = e.year AND r.season = e.season
WHERE r.person IS NULL
UNION ALL
SELECT 'approvals' AS kind, a.load_id, a.source_row, a.year, a.season
FROM approvals a
LEFT JOIN registrations r ON r.person = a.person AND r.year = a.year AND r.season = a.season
WHERE r.person IS NULL;
COMMENT ON VIEW orphan_records IS '无登记记录: exams and approvals whose person has no registration that season';
COMMENT ON COLUMN orphan_records.kind IS '类型: exams or approvals';
COMMENT ON COLUMN orphan_records.load_id IS '批次号 of the row';
COMMENT ON COLUMN orphan_records.source_row IS '行号 in its file';
COMMENT ON COLUMN orphan_records.year IS '年度';
COMMENT ON COLUMN orphan_records.season IS '批次';
