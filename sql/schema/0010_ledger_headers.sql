-- What the ledger keeps of how a file's headers were read (issue: files from
-- any office's system load without a code change): which column each header
-- became and by which rule, and the warnings of the load an office should
-- read (a header guessed, a column ignored, a value spelling not known).
ALTER TABLE load_ledger ADD COLUMN header_map VARCHAR;
ALTER TABLE load_ledger ADD COLUMN warnings VARCHAR;
COMMENT ON COLUMN load_ledger.header_map IS '表头映射: each header as written → canonical column and the rule that matched it (exact, normalised, guessed, enlist.yaml, --map), one per line';
COMMENT ON COLUMN load_ledger.warnings IS '提示: warnings of the load, one per line: headers mapped by a guess, columns ignored, value spellings not recognised';
COMMENT ON COLUMN load_ledger.sheet IS '工作表: the sheet read (a workbook''s sheets are one delivery, one ledger row each, with the same sha256); NULL for CSV';
COMMENT ON COLUMN load_ledger.sha256 IS 'SHA-256 of the file bytes as the office sent them (a converted .xls, .et or .ods too); the same file is never loaded twice';
COMMENT ON COLUMN load_ledger.encoding IS 'utf-8, utf-8-bom, gb18030, xlsx, or xls, et, ods for a legacy workbook read through LibreOffice';
COMMENT ON COLUMN rejects.reason IS '原因代码: bad_id_check, bad_id_length, bad_id_char, bad_id_birth, id_as_number (an identity number Excel turned into a number), bad_date, implausible_date, bad_value, missing_value, bad_number, bad_region, duplicate';
