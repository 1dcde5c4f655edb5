-- The warehouse: regions, the five extract kinds, and the record of every load.
-- Persons are keyed pseudonyms (HMAC-SHA256 of the identity number under a
-- secret kept outside the warehouse, first 16 bytes as a UUID); no identity
-- number or name is ever stored (SPEC §6).
-- Every data row carries load_id and source_row: the load ledger says which
-- file it came from, and the row number is how an office finds it again.

CREATE TABLE regions (
    code        VARCHAR NOT NULL,
    name        VARCHAR NOT NULL,
    level       TINYINT NOT NULL,
    parent_code VARCHAR,
    source      VARCHAR NOT NULL
);
COMMENT ON TABLE regions IS '区划: national division codes, province to town; extracts of kind regions override the built-in 2023 table';
COMMENT ON COLUMN regions.code IS '区划代码: 2 (省), 4 (市), 6 (区县), 9 (乡镇街道) or 12 (村居) digits';
COMMENT ON COLUMN regions.name IS '区划名称';
COMMENT ON COLUMN regions.level IS '层级: 1 province, 2 city, 3 county, 4 town, 5 village';
COMMENT ON COLUMN regions.parent_code IS '上级区划代码: the code prefix one level up; NULL for a province';
COMMENT ON COLUMN regions.source IS 'builtin (2023 national table) or the load_id of the regions extract that set it';

CREATE SEQUENCE load_id_seq START 1;

CREATE TABLE load_ledger (
    load_id       BIGINT NOT NULL,
    file          VARCHAR NOT NULL,
    sha256        VARCHAR NOT NULL,
    kind          VARCHAR NOT NULL,
    exam_type     VARCHAR,
    mode          VARCHAR NOT NULL,
    scope_region  VARCHAR,
    scope_year    INTEGER,
    scope_season  TINYINT,
    sheet         VARCHAR,
    encoding      VARCHAR,
    rows_read     BIGINT NOT NULL,
    rows_accepted BIGINT NOT NULL,
    rows_rejected BIGINT NOT NULL,
    rows_flagged  BIGINT NOT NULL,
    started_at    TIMESTAMP NOT NULL,
    finished_at   TIMESTAMP NOT NULL,
    status        VARCHAR NOT NULL,
    message       VARCHAR,
    replaced_by   BIGINT
);
COMMENT ON TABLE load_ledger IS '入库台账: one row per file loaded; rows_read = rows_accepted + rows_rejected';
COMMENT ON COLUMN load_ledger.load_id IS '批次号: referenced by every row the file brought';
COMMENT ON COLUMN load_ledger.file IS '文件: path as given to ingest';
COMMENT ON COLUMN load_ledger.sha256 IS 'SHA-256 of the file bytes; the same file is never loaded twice';
COMMENT ON COLUMN load_ledger.kind IS '类型: quotas, registrations, exams, approvals, resettlement, regions';
COMMENT ON COLUMN load_ledger.exam_type IS '考核类型 of an exams file: physical, political, pretraining';
COMMENT ON COLUMN load_ledger.mode IS 'snapshot (replaces its scope) or incremental (adds to it)';
COMMENT ON COLUMN load_ledger.scope_region IS '范围: the region code the file covers';
COMMENT ON COLUMN load_ledger.scope_year IS '年度 the file covers';
COMMENT ON COLUMN load_ledger.scope_season IS '批次: 1 上半年, 2 下半年';
COMMENT ON COLUMN load_ledger.sheet IS 'XLSX sheet read; NULL for CSV';
COMMENT ON COLUMN load_ledger.encoding IS 'utf-8, utf-8-bom, gb18030 or xlsx';
COMMENT ON COLUMN load_ledger.rows_read IS '读取: data rows read (title, header, 合计 and footer lines excluded)';
COMMENT ON COLUMN load_ledger.rows_accepted IS '入库: rows stored';
COMMENT ON COLUMN load_ledger.rows_rejected IS '拒收: rows refused, each with reasons in rejects';
COMMENT ON COLUMN load_ledger.rows_flagged IS '警示: stored rows carrying a warning when the file was loaded';
COMMENT ON COLUMN load_ledger.started_at IS 'load start (UTC)';
COMMENT ON COLUMN load_ledger.finished_at IS 'load end (UTC)';
COMMENT ON COLUMN load_ledger.status IS 'loaded, or replaced (a newer snapshot of the same scope took its place)';
COMMENT ON COLUMN load_ledger.message IS 'summary of the load';
COMMENT ON COLUMN load_ledger.replaced_by IS 'load_id of the snapshot that replaced this one';

CREATE TABLE rejects (
    load_id    BIGINT NOT NULL,
    file       VARCHAR NOT NULL,
    sheet      VARCHAR,
    source_row INTEGER NOT NULL,
    column_name VARCHAR,
    reason     VARCHAR NOT NULL,
    detail     VARCHAR,
    raw_value  VARCHAR
);
COMMENT ON TABLE rejects IS '拒收记录: rows refused at load, one line per failing column';
COMMENT ON COLUMN rejects.load_id IS '批次号';
COMMENT ON COLUMN rejects.file IS '文件';
COMMENT ON COLUMN rejects.sheet IS '工作表';
COMMENT ON COLUMN rejects.source_row IS '行号: the row number the office sees in its file';
COMMENT ON COLUMN rejects.column_name IS '列: the header as written in the file';
COMMENT ON COLUMN rejects.reason IS '原因代码: bad_id_check, bad_id_length, bad_id_char, bad_id_birth, bad_date, implausible_date, bad_value, missing_value, bad_number, bad_region, duplicate';
COMMENT ON COLUMN rejects.detail IS '说明, in the office''s terms';
COMMENT ON COLUMN rejects.raw_value IS '原值, masked for personal columns (identity number keeps first 6 and last 4, name its first character)';

CREATE TABLE row_flags (
    load_id    BIGINT NOT NULL,
    source_row INTEGER NOT NULL,
    kind       VARCHAR NOT NULL,
    region_code VARCHAR,
    year       INTEGER,
    season     TINYINT,
    flag       VARCHAR NOT NULL,
    detail     VARCHAR
);
COMMENT ON TABLE row_flags IS '警示 raised on a single row at load (the row is kept); see the flags view for all warnings';
COMMENT ON COLUMN row_flags.load_id IS '批次号';
COMMENT ON COLUMN row_flags.source_row IS '行号 in the file';
COMMENT ON COLUMN row_flags.kind IS '类型 of the file';
COMMENT ON COLUMN row_flags.region_code IS '区划代码 of the row, where known';
COMMENT ON COLUMN row_flags.year IS '年度';
COMMENT ON COLUMN row_flags.season IS '批次';
COMMENT ON COLUMN row_flags.flag IS '警示代码: age_rule, id_region_unknown, region_unknown, birth_date_mismatch, unrecognised_value, date_order';
COMMENT ON COLUMN row_flags.detail IS '说明';

CREATE TABLE quotas (
    load_id         BIGINT NOT NULL,
    source_row      INTEGER NOT NULL,
    year            INTEGER NOT NULL,
    season          TINYINT NOT NULL,
    region_code     VARCHAR NOT NULL,
    quota           INTEGER NOT NULL,
    college_target  DOUBLE,
    graduate_target DOUBLE
);
COMMENT ON TABLE quotas IS '征集任务: the quota set for a region and season';
COMMENT ON COLUMN quotas.load_id IS '批次号';
COMMENT ON COLUMN quotas.source_row IS '行号 in the file';
COMMENT ON COLUMN quotas.year IS '年度';
COMMENT ON COLUMN quotas.season IS '批次: 1 上半年, 2 下半年';
COMMENT ON COLUMN quotas.region_code IS '区划代码';
COMMENT ON COLUMN quotas.quota IS '征集任务数 (persons)';
COMMENT ON COLUMN quotas.college_target IS '大学生比例目标, a ratio (0.7 = 70 %)';
COMMENT ON COLUMN quotas.graduate_target IS '大学毕业生比例目标, a ratio';

CREATE TABLE registrations (
    load_id        BIGINT NOT NULL,
    source_row     INTEGER NOT NULL,
    person         UUID NOT NULL,
    gender         VARCHAR,
    birth_year     SMALLINT NOT NULL,
    id_county      VARCHAR NOT NULL,
    region_code    VARCHAR NOT NULL,
    education      VARCHAR,
    student_status VARCHAR,
    major_category VARCHAR,
    school         VARCHAR,
    ethnicity      VARCHAR,
    registered_on  DATE NOT NULL,
    applied        BOOLEAN,
    year           INTEGER NOT NULL,
    season         TINYINT NOT NULL
);
COMMENT ON TABLE registrations IS '兵役登记/应征报名: one row per person registered in a season';
COMMENT ON COLUMN registrations.load_id IS '批次号';
COMMENT ON COLUMN registrations.source_row IS '行号 in the file';
COMMENT ON COLUMN registrations.person IS '人员代号: keyed pseudonym of the identity number (not reversible without the secret)';
COMMENT ON COLUMN registrations.gender IS '性别: male, female (from the column, else from the identity number)';
COMMENT ON COLUMN registrations.birth_year IS '出生年份 (from the identity number)';
COMMENT ON COLUMN registrations.id_county IS '身份证号所属区县: the 6-digit county code of first registration carried by the identity number';
COMMENT ON COLUMN registrations.region_code IS '区划代码 of registration (town or lower where the file has it)';
COMMENT ON COLUMN registrations.education IS '文化程度: primary, junior_high, high_school, secondary_vocational, associate (大专), bachelor, master, doctor';
COMMENT ON COLUMN registrations.student_status IS '学业状态: in_school 在校生, fresh_graduate 应届毕业生, past_graduate 往届毕业生, non_student 非学生';
COMMENT ON COLUMN registrations.major_category IS '专业类别: stem 理工类, non_stem';
COMMENT ON COLUMN registrations.school IS '院校';
COMMENT ON COLUMN registrations.ethnicity IS '民族';
COMMENT ON COLUMN registrations.registered_on IS '登记日期';
COMMENT ON COLUMN registrations.applied IS '应征报名: the person applied to serve now';
COMMENT ON COLUMN registrations.year IS '年度';
COMMENT ON COLUMN registrations.season IS '批次: 1 上半年, 2 下半年';

CREATE TABLE exams (
    load_id    BIGINT NOT NULL,
    source_row INTEGER NOT NULL,
    person     UUID NOT NULL,
    exam_type  VARCHAR NOT NULL,
    exam_date  DATE NOT NULL,
    passed     BOOLEAN NOT NULL,
    reason     VARCHAR,
    station    VARCHAR,
    year       INTEGER NOT NULL,
    season     TINYINT NOT NULL
);
COMMENT ON TABLE exams IS '体检/政考/役前训练 results; a person''s region is that of their registration for the year and season';
COMMENT ON COLUMN exams.load_id IS '批次号';
COMMENT ON COLUMN exams.source_row IS '行号 in the file';
COMMENT ON COLUMN exams.person IS '人员代号';
COMMENT ON COLUMN exams.exam_type IS '考核类型: physical 体检, political 政考, pretraining 役前训练';
COMMENT ON COLUMN exams.exam_date IS '检查日期';
COMMENT ON COLUMN exams.passed IS '结论: true 合格, false 不合格';
COMMENT ON COLUMN exams.reason IS '不合格原因';
COMMENT ON COLUMN exams.station IS '体检站';
COMMENT ON COLUMN exams.year IS '年度';
COMMENT ON COLUMN exams.season IS '批次';

CREATE TABLE approvals (
    load_id            BIGINT NOT NULL,
    source_row         INTEGER NOT NULL,
    person             UUID NOT NULL,
    approved_on        DATE NOT NULL,
    year               INTEGER NOT NULL,
    season             TINYINT NOT NULL,
    branch             VARCHAR,
    handover_on        DATE,
    returned_on        DATE,
    return_reason      VARCHAR,
    return_responsible BOOLEAN
);
COMMENT ON TABLE approvals IS '定兵/交接/退兵: one row per person approved for service';
COMMENT ON COLUMN approvals.load_id IS '批次号';
COMMENT ON COLUMN approvals.source_row IS '行号 in the file';
COMMENT ON COLUMN approvals.person IS '人员代号';
COMMENT ON COLUMN approvals.approved_on IS '批准入伍日期';
COMMENT ON COLUMN approvals.year IS '年度';
COMMENT ON COLUMN approvals.season IS '批次';
COMMENT ON COLUMN approvals.branch IS '军兵种/去向';
COMMENT ON COLUMN approvals.handover_on IS '起运交接日期';
COMMENT ON COLUMN approvals.returned_on IS '退兵日期 (quarantine-period return); NULL when not returned';
COMMENT ON COLUMN approvals.return_reason IS '退兵原因';
COMMENT ON COLUMN approvals.return_responsible IS '有责退兵: the return counts against the region';

CREATE TABLE resettlement (
    load_id         BIGINT NOT NULL,
    source_row      INTEGER NOT NULL,
    person          UUID NOT NULL,
    region_code     VARCHAR NOT NULL,
    discharged_on   DATE NOT NULL,
    service_type    VARCHAR,
    plan            VARCHAR NOT NULL,
    placed_on       DATE,
    employer        VARCHAR,
    contract_years  DOUBLE,
    subsidy_amount  DOUBLE,
    subsidy_paid_on DATE
);
COMMENT ON TABLE resettlement IS '退役安置: discharged soldiers and their placement';
COMMENT ON COLUMN resettlement.load_id IS '批次号';
COMMENT ON COLUMN resettlement.source_row IS '行号 in the file';
COMMENT ON COLUMN resettlement.person IS '人员代号';
COMMENT ON COLUMN resettlement.region_code IS '安置地: the county responsible for placement';
COMMENT ON COLUMN resettlement.discharged_on IS '退役日期';
COMMENT ON COLUMN resettlement.service_type IS '退役类别: conscript 义务兵, nco 士官';
COMMENT ON COLUMN resettlement.plan IS '安置方式: self_employed 自主就业, assigned_job 安排工作, retired 退休, supported 供养, other';
COMMENT ON COLUMN resettlement.placed_on IS '安置日期 (assigned jobs)';
COMMENT ON COLUMN resettlement.employer IS '接收单位';
COMMENT ON COLUMN resettlement.contract_years IS '劳动合同年限';
COMMENT ON COLUMN resettlement.subsidy_amount IS '一次性经济补助 (yuan)';
COMMENT ON COLUMN resettlement.subsidy_paid_on IS '补助发放日期';
