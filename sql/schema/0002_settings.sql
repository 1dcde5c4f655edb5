-- The configuration the models read (enlist.yaml, written on every open by
-- the process that loads), kept in the warehouse so an analyst sees the
-- targets and weights a figure was computed with.

CREATE TABLE settings (
    name  VARCHAR NOT NULL,
    value DOUBLE NOT NULL
);
COMMENT ON TABLE settings IS '参数: targets (target.*), composite-score weights (weight.*), subsidy_deadline_days, behind_margin';
COMMENT ON COLUMN settings.name IS '参数名';
COMMENT ON COLUMN settings.value IS '参数值 (ratios as 0–1)';

CREATE TABLE season_calendar (
    season   TINYINT NOT NULL,
    start_md VARCHAR NOT NULL,
    end_md   VARCHAR NOT NULL
);
COMMENT ON TABLE season_calendar IS '征兵季节: each season''s working window, the basis of time progress (时间进度)';
COMMENT ON COLUMN season_calendar.season IS '批次: 1 上半年, 2 下半年';
COMMENT ON COLUMN season_calendar.start_md IS '开始 (MM-DD)';
COMMENT ON COLUMN season_calendar.end_md IS '结束 (MM-DD, inclusive)';
