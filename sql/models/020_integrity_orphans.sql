-- orphan_records: exam and approval rows for a person with no registration in
-- that year and season (SPEC §4: kept, flagged, counted in no region).
CREATE OR REPLACE VIEW orphan_records AS
SELECT 'exams' AS kind, e.load_id, e.source_row, e.year, e.season
FROM exams e
WHERE NOT EXISTS (
    SELECT 1 FROM registrations r
    WHERE r.person = e.person AND r.year = e.year AND r.season = e.season)
UNION ALL
SELECT 'approvals' AS kind, a.load_id, a.source_row, a.year, a.season
FROM approvals a
WHERE NOT EXISTS (
    SELECT 1 FROM registrations r
    WHERE r.person = a.person AND r.year = a.year AND r.season = a.season);
COMMENT ON VIEW orphan_records IS '无登记记录: exams and approvals whose person has no registration that season';
COMMENT ON COLUMN orphan_records.kind IS '类型: exams or approvals';
COMMENT ON COLUMN orphan_records.load_id IS '批次号 of the row';
COMMENT ON COLUMN orphan_records.source_row IS '行号 in its file';
COMMENT ON COLUMN orphan_records.year IS '年度';
COMMENT ON COLUMN orphan_records.season IS '批次';
