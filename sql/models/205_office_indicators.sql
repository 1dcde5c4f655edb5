-- office_indicators_at(as_of, y, s): the indicators an office defines in
-- enlist.yaml (indicators:), by region, year and season. This file is the
-- form with none defined; a warehouse opened with indicators replaces it
-- with the one generated from enlist.yaml (sql/indicators.go), which
-- evaluates each indicator's SQL expression over person_facts_at for every
-- region at every level, as of as_of and a week earlier, with its target,
-- verdict and score. metrics_at (210) joins it: its columns, but the key,
-- are the metrics view's office_* columns.
CREATE OR REPLACE MACRO office_indicators_at(as_of, y, s) AS TABLE
SELECT NULL::VARCHAR AS region_code, NULL::INTEGER AS year, NULL::TINYINT AS season,
       NULL::DOUBLE AS office_weighted_score
WHERE false;
COMMENT ON MACRO TABLE office_indicators_at IS '自定义指标: the indicators of enlist.yaml (indicators:) by region as of a date, with target, 达标 and score; office_weighted_score is the sum of weight × score the composite adds';

-- office_indicators: the indicators enlist.yaml defines, in its order, with
-- label, format, target, weight and expression (none in this form).
CREATE OR REPLACE VIEW office_indicators AS
SELECT NULL::INTEGER AS position, NULL::VARCHAR AS name, NULL::VARCHAR AS column_name, NULL::VARCHAR AS label,
       NULL::VARCHAR AS format, NULL::DOUBLE AS target, NULL::DOUBLE AS weight, NULL::VARCHAR AS expression
WHERE false;
COMMENT ON VIEW office_indicators IS '自定义指标: the indicators of enlist.yaml (indicators:) — name, the metrics view''s column office_NAME, Chinese label, format (percent, number), target, weight in the composite and the SQL expression over person_facts';
COMMENT ON COLUMN office_indicators.position IS '序号: the indicator''s place in enlist.yaml, from 1';
COMMENT ON COLUMN office_indicators.name IS '指标名: its name in enlist.yaml';
COMMENT ON COLUMN office_indicators.column_name IS '列名: its column in the metrics view (office_NAME)';
COMMENT ON COLUMN office_indicators.label IS '中文名称: the label the bulletin prints';
COMMENT ON COLUMN office_indicators.format IS '格式: percent or number';
COMMENT ON COLUMN office_indicators.target IS '目标值: NULL when none is set (no verdict, no score)';
COMMENT ON COLUMN office_indicators.weight IS '权重: its weight in the composite score (0: none)';
COMMENT ON COLUMN office_indicators.expression IS '表达式: the SQL over person_facts enlist.yaml gives';
