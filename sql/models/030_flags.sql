-- flags: every warning on a kept row, whether raised while its file was read
-- (row_flags) or arising between files (the integrity views), so a warning
-- appears or clears as the files it depends on arrive.
--
-- model_parts.flags_of(part) is one part of them (1 row flags, 2 orphans,
-- 3 two-region registrations, 4 approvals without double qualification;
-- NULL all): the bulletin reads the parts one after another into one
-- table, each with the whole memory limit to itself. As one statement the
-- three joins with every registration ran side by side and spilled at
-- 10,000,000 registrations under the default 1 GB.
CREATE OR REPLACE MACRO model_parts.flags_of(part) AS TABLE
SELECT load_id, source_row, kind, region_code, year, season, flag, detail
FROM row_flags
WHERE part IS NULL OR part = 1
UNION ALL
SELECT o.load_id, o.source_row, o.kind, NULL, o.year, o.season, 'orphan',
       'no registration for this person in ' || o.year || ' season ' || o.season
FROM orphan_records o
WHERE part IS NULL OR part = 2
UNION ALL
SELECT t.load_id, t.source_row, 'registrations', t.region_code, t.year, t.season, 'two_regions',
       'the same person is registered in another region this season'
FROM two_region_registrations t
WHERE part IS NULL OR part = 3
UNION ALL
SELECT u.load_id, u.source_row, 'approvals', u.region_code, u.year, u.season, 'unqualified_approval',
       CASE WHEN NOT u.physical_passed AND NOT u.political_passed THEN 'no passed physical or political review'
            WHEN NOT u.physical_passed THEN 'no passed physical examination'
            ELSE 'no passed political review' END
FROM unqualified_approvals u
WHERE part IS NULL OR part = 4;
CREATE OR REPLACE VIEW flags AS
SELECT * FROM model_parts.flags_of(NULL);
COMMENT ON MACRO TABLE model_parts.flags_of IS '警示 (分部分): one part of the flags view (1 row flags, 2 orphans, 3 two regions, 4 unqualified approvals; NULL all)';
COMMENT ON VIEW flags IS '警示: every warning on a stored row, by file (load_id) and row';
COMMENT ON COLUMN flags.load_id IS '批次号';
COMMENT ON COLUMN flags.source_row IS '行号 in the file';
COMMENT ON COLUMN flags.kind IS '类型 of the file';
COMMENT ON COLUMN flags.region_code IS '区划代码, where known';
COMMENT ON COLUMN flags.year IS '年度';
COMMENT ON COLUMN flags.season IS '批次';
COMMENT ON COLUMN flags.flag IS '警示代码: age_rule, id_region_unknown, region_unknown, birth_date_mismatch, unrecognised_value, date_order, orphan, two_regions, unqualified_approval';
COMMENT ON COLUMN flags.detail IS '说明';
