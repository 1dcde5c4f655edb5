-- two_region_registrations: registration rows of a person registered in more
-- than one region in the same season (SPEC §5, a flag: both rows are kept).
-- Written as a semi-join so a filter on load_id reaches the outer scan: the
-- loader asks for one file's rows after every load.
CREATE OR REPLACE VIEW two_region_registrations AS
SELECT r.load_id, r.source_row, r.region_code, r.year, r.season, r.person, r.registered_on
FROM registrations r
WHERE EXISTS (
    SELECT 1 FROM registrations o
    WHERE o.person = r.person AND o.year = r.year AND o.season = r.season
      AND o.region_code <> r.region_code);
COMMENT ON VIEW two_region_registrations IS '重复登记: registration rows of people registered in two or more regions in one season, whenever registered; integrity_people_at gives one row per person as of a date, with every region involved';
COMMENT ON COLUMN two_region_registrations.load_id IS '批次号 of the row';
COMMENT ON COLUMN two_region_registrations.source_row IS '行号 in its file';
COMMENT ON COLUMN two_region_registrations.region_code IS '区划代码 of this registration';
COMMENT ON COLUMN two_region_registrations.year IS '年度';
COMMENT ON COLUMN two_region_registrations.season IS '批次';
COMMENT ON COLUMN two_region_registrations.person IS '人员代号: the pseudonymous key, the same in every region''s row';
COMMENT ON COLUMN two_region_registrations.registered_on IS '登记日期 of this registration';
