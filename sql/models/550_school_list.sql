-- school_list: the universities in force as recruiting units (高校征兵工作站),
-- one row per university: the built-in list (builtin_schools, data the
-- binary carries) with, for every code an office's schools extract names,
-- the office's row in its place (the latest delivered row of that code:
-- load, then row). A university belongs to the county it sits in, and so to
-- that county's city and province: their bulletins list it.
--
-- school_key(spelling): how a spelling is compared, so that 郑州大学,
-- 郑州大学（本部）, "郑州 大学" and ＺＺＵ/zzu read alike: a note in brackets
-- dropped (（本部）, (主校区), 【…】), spaces and middle dots dropped, full-width
-- brackets and letters read as their ASCII forms, letters in lower case.
-- NULL for an empty spelling.
CREATE OR REPLACE MACRO school_key(spelling) AS
    nullif(lower(regexp_replace(
        regexp_replace(
            translate(spelling, '（）【】［］　ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ０１２３４５６７８９',
                            '()[][] ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'),
            '[(\[][^)\]]*[)\]]', '', 'g'),
        '[\s·・.]', '', 'g')), '');
COMMENT ON MACRO school_key IS '院校名称比对键: a spelling with notes in brackets, spaces and dots dropped, full-width forms folded and letters lower-cased; school_spellings and the school metrics compare spellings by it';

CREATE OR REPLACE VIEW school_list AS
WITH delivered AS (
    SELECT school_code,
           max_by(struct_pack(name, region_code, students, aliases, load_id), (load_id, source_row)) AS d
    FROM schools
    GROUP BY school_code
),
merged AS (
    SELECT d.school_code, d.d.name AS school_name, d.d.region_code AS located_code, b.level,
           d.d.students AS students, d.d.aliases AS aliases, CAST(d.d.load_id AS VARCHAR) AS source
    FROM delivered d LEFT JOIN builtin_schools b USING (school_code)
    UNION ALL
    SELECT b.school_code, b.school_name, b.county_code, b.level, NULL, NULL, 'builtin'
    FROM builtin_schools b
    WHERE b.school_code NOT IN (SELECT school_code FROM delivered)
)
SELECT
    m.school_code, m.school_name, m.level, m.students,
    m.located_code,
    left(m.located_code, 6) AS county_code, co.name AS county_name,
    left(m.located_code, 4) AS city_code, ci.name AS city_name,
    left(m.located_code, 2) AS province_code, pr.name AS province_name,
    m.aliases, m.source
FROM merged m
LEFT JOIN regions co ON co.code = left(m.located_code, 6)
LEFT JOIN regions ci ON ci.code = left(m.located_code, 4)
LEFT JOIN regions pr ON pr.code = left(m.located_code, 2);
COMMENT ON VIEW school_list IS '高校名单: the universities in force — the built-in list, each code an office''s schools extract names replaced by the office''s latest row';
COMMENT ON COLUMN school_list.school_code IS '院校代码';
COMMENT ON COLUMN school_list.school_name IS '院校名称';
COMMENT ON COLUMN school_list.level IS '办学层次: 本科 or 专科, from the built-in list; NULL for a university only an extract names';
COMMENT ON COLUMN school_list.students IS '在校生人数, when a schools extract gives it; NULL otherwise (no per-thousand figure)';
COMMENT ON COLUMN school_list.located_code IS '所在区划代码 as given (a county, or a town within it)';
COMMENT ON COLUMN school_list.county_code IS '所在区县代码';
COMMENT ON COLUMN school_list.county_name IS '所在区县';
COMMENT ON COLUMN school_list.city_code IS '所在市代码';
COMMENT ON COLUMN school_list.city_name IS '所在市';
COMMENT ON COLUMN school_list.province_code IS '所在省代码';
COMMENT ON COLUMN school_list.province_name IS '所在省';
COMMENT ON COLUMN school_list.aliases IS '别名 as the extract gives them (the built-in ones are in builtin_school_aliases)';
COMMENT ON COLUMN school_list.source IS '来源: builtin, or the load_id of the schools extract whose row is in force';
