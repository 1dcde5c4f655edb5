-- Universities as recruiting units (高校征兵工作站). The built-in list of
-- universities is data the binary carries (internal/schools/data, installed
-- as the builtin_schools view); extracts of kind schools add to it and, for
-- the codes they name, take its place (the school_list view). A quota row
-- may name a university: that quota is the university's own and is kept out
-- of every region's quota.

CREATE TABLE schools (
    load_id     BIGINT NOT NULL,
    source_row  INTEGER NOT NULL,
    school_code VARCHAR NOT NULL,
    name        VARCHAR NOT NULL,
    region_code VARCHAR NOT NULL,
    students    INTEGER,
    aliases     VARCHAR
);
COMMENT ON TABLE schools IS '高校: universities as an office delivers them (extracts of kind schools); school_list combines them with the built-in list';
COMMENT ON COLUMN schools.load_id IS '批次号';
COMMENT ON COLUMN schools.source_row IS '行号 in the file';
COMMENT ON COLUMN schools.school_code IS '院校代码: the university''s code (教育部院校代码, e.g. 10459)';
COMMENT ON COLUMN schools.name IS '院校名称';
COMMENT ON COLUMN schools.region_code IS '所在区划代码: the county (or town) the university sits in';
COMMENT ON COLUMN schools.students IS '在校生人数: students enrolled, when the office gives it';
COMMENT ON COLUMN schools.aliases IS '别名: other spellings registrations use, separated by 、 ， , ; or /';

ALTER TABLE quotas ADD COLUMN school_code VARCHAR;
COMMENT ON COLUMN quotas.school_code IS '院校代码 when the quota is a university''s own (高校征集任务); NULL for a region''s quota, the only kind the region metrics count';
