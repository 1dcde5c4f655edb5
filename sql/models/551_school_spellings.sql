-- school_spellings: every spelling that names a university — its code, its
-- name in force, its built-in name, each built-in alias and each alias of
-- the office's schools extract (separated by 、 ， , ; ； or /) — with the
-- key it is compared by (school_key). A registration's 院校 names the
-- university whose spelling has the same key. A key two universities share
-- (an alias given to both) names neither: ambiguous is true on its rows,
-- and such registrations count under no university until the office's
-- schools extract settles it.
CREATE OR REPLACE VIEW school_spellings AS
WITH spelled AS (
    SELECT school_code, school_code AS spelling, 'code' AS kind FROM school_list
    UNION ALL SELECT school_code, school_name, 'name' FROM school_list
    UNION ALL SELECT b.school_code, b.school_name, 'builtin_name' FROM builtin_schools b
    UNION ALL SELECT a.school_code, a.alias, 'builtin_alias' FROM builtin_school_aliases a
    UNION ALL
    SELECT school_code, trim(unnest(regexp_split_to_array(aliases, '[、，,;；/]'))), 'alias'
    FROM school_list WHERE aliases IS NOT NULL
),
keyed AS (
    SELECT school_code, spelling, kind, school_key(spelling) AS spelling_key
    FROM spelled
    WHERE school_key(spelling) IS NOT NULL
)
SELECT k.spelling_key, k.school_code, min(k.spelling) AS spelling, min(k.kind) AS kind,
       (SELECT count(DISTINCT o.school_code) FROM keyed o WHERE o.spelling_key = k.spelling_key) > 1 AS ambiguous
FROM keyed k
GROUP BY k.spelling_key, k.school_code;
COMMENT ON VIEW school_spellings IS '高校名称写法: every spelling that names a university (code, name, built-in name and aliases, the extract''s aliases) with its comparison key; one row per key and university';
COMMENT ON COLUMN school_spellings.spelling_key IS '比对键: school_key(spelling)';
COMMENT ON COLUMN school_spellings.school_code IS '院校代码 the spelling names';
COMMENT ON COLUMN school_spellings.spelling IS '写法: one spelling with that key';
COMMENT ON COLUMN school_spellings.kind IS '来源: code, name, builtin_name, builtin_alias or alias (the schools extract''s)';
COMMENT ON COLUMN school_spellings.ambiguous IS '有歧义: the key names more than one university, so it names none';
