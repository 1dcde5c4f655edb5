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
-- model_parts.season_flags_of(part, y, s) is part 2, 3 or 4 of flags_of
-- for the rows of year y's season s alone. Each warning between files is
-- about one season (orphan_records, two_region_registrations and
-- unqualified_approvals join on person, year and season), so these are
-- flags_of(part)'s rows of that season exactly (TestFlaggedCountIsTheFlagsView).
-- A bulletin shows one season; a warehouse keeping ten years computed
-- twenty. Parts 2 and 4 are flags_of's with the season's filter, which
-- DuckDB takes into their scans. The two regions are found among the
-- people registered more than once that season: the view's semi-join with
-- every registration, given the season, spent longer than over every
-- season (10,000,000 registrations: 1.8 s, against 1.5 s for every season
-- and 0.8 s this way).
CREATE OR REPLACE MACRO model_parts.season_flags_of(part, y, s) AS TABLE
SELECT * FROM model_parts.flags_of(part)
WHERE part IN (2, 4) AND year = y AND season = s
UNION ALL
SELECT r.load_id, r.source_row, 'registrations', r.region_code, r.year, r.season, 'two_regions',
       'the same person is registered in another region this season'
FROM registrations r
WHERE part = 3 AND r.year = y AND r.season = s
  AND r.person IN (SELECT person FROM registrations WHERE year = y AND season = s GROUP BY person HAVING count(*) > 1)
  AND EXISTS (
    SELECT 1 FROM registrations o
    WHERE o.year = y AND o.season = s AND o.person = r.person AND o.region_code <> r.region_code);
CREATE OR REPLACE VIEW flags AS
SELECT * FROM model_parts.flags_of(NULL);
COMMENT ON MACRO TABLE model_parts.season_flags_of IS '警示 (分部分, 单批次): part 2, 3 or 4 of flags_of for the rows of year y season s';
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
