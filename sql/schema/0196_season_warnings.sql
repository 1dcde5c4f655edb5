-- The warnings between files (the flags view's parts 2 to 4: exams and
-- approvals of no registered person, people registered in two regions,
-- approvals without a passed physical and political review) of each
-- season, kept by the writers after each change (warehouse
-- KeepSeasonWarnings) so that a bulletin reads them rather than working
-- them out from every registration of the season (0.9 s of a province's
-- bulletin at 10,000,000 registrations). season_warnings_state says what
-- each season's rows were computed from; a reader takes them only while
-- that still holds, and otherwise computes them as the view does.
CREATE TABLE season_warnings (
    load_id     BIGINT NOT NULL,
    source_row  INTEGER NOT NULL,
    kind        VARCHAR NOT NULL,
    region_code VARCHAR,
    year        INTEGER,
    season      TINYINT,
    flag        VARCHAR NOT NULL,
    detail      VARCHAR
);
COMMENT ON TABLE season_warnings IS '跨文件警示 (按批次保存): the rows of model_parts.season_flags_of(2 to 4) of each season in season_warnings_state, kept by every writer; the flags view is the definition';
CREATE TABLE season_warnings_state (
    year      INTEGER NOT NULL,
    season    TINYINT NOT NULL,
    models    VARCHAR NOT NULL,
    rows_seen VARCHAR NOT NULL,
    PRIMARY KEY (year, season)
);
COMMENT ON TABLE season_warnings_state IS '跨文件警示的依据: for each season kept in season_warnings, the models'' fingerprint and model_parts.season_rows_seen when it was computed';
COMMENT ON COLUMN season_warnings.load_id IS '批次号 of the row warned of';
COMMENT ON COLUMN season_warnings.source_row IS '行号 in its file';
COMMENT ON COLUMN season_warnings.kind IS '类型 of the file';
COMMENT ON COLUMN season_warnings.region_code IS '区划代码, where known';
COMMENT ON COLUMN season_warnings.year IS '年度';
COMMENT ON COLUMN season_warnings.season IS '批次';
COMMENT ON COLUMN season_warnings.flag IS '警示代码: orphan, two_regions, unqualified_approval';
COMMENT ON COLUMN season_warnings.detail IS '说明';
COMMENT ON COLUMN season_warnings_state.year IS '年度';
COMMENT ON COLUMN season_warnings_state.season IS '批次';
COMMENT ON COLUMN season_warnings_state.models IS 'the models'' fingerprint (model_state) the warnings were computed with';
COMMENT ON COLUMN season_warnings_state.rows_seen IS 'model_parts.season_rows_seen of the season when its warnings were computed';
