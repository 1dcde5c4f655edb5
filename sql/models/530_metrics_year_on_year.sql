-- metrics_year_on_year_at(as_of, y, s): the metrics of a season beside the
-- same season a year earlier, as of the same day a year earlier (as_of −
-- 1 year), region by region: each main count and rate, its *_prev_year and
-- its *_change_year (this year minus last; for rates a difference of ratios,
-- 个百分点 once multiplied by 100). Last year's figures are NULL where that
-- season has no data (has_data_prev_year false or NULL): never zeros.
CREATE OR REPLACE MACRO metrics_year_on_year_at(as_of, y, s) AS TABLE
SELECT
    c.region_code, c.region_name, c.level, c.parent_code, c.parent_name,
    c.province_name, c.city_name, c.county_name,
    c.year, c.season, c.as_of_date, p.as_of_date AS prev_year_as_of_date,
    c.has_data, p.has_data AS has_data_prev_year,
    c.quota, p.quota AS quota_prev_year, c.quota - p.quota AS quota_change_year,
    c.registered, p.registered AS registered_prev_year, c.registered - p.registered AS registered_change_year,
    c.applied, p.applied AS applied_prev_year, c.applied - p.applied AS applied_change_year,
    c.physical_examined, p.physical_examined AS physical_examined_prev_year, c.physical_examined - p.physical_examined AS physical_examined_change_year,
    c.physical_passed, p.physical_passed AS physical_passed_prev_year, c.physical_passed - p.physical_passed AS physical_passed_change_year,
    c.political_reviewed, p.political_reviewed AS political_reviewed_prev_year, c.political_reviewed - p.political_reviewed AS political_reviewed_change_year,
    c.political_passed, p.political_passed AS political_passed_prev_year, c.political_passed - p.political_passed AS political_passed_change_year,
    c.double_qualified, p.double_qualified AS double_qualified_prev_year, c.double_qualified - p.double_qualified AS double_qualified_change_year,
    c.approved, p.approved AS approved_prev_year, c.approved - p.approved AS approved_change_year,
    c.returned, p.returned AS returned_prev_year, c.returned - p.returned AS returned_change_year,
    c.responsible_returned, p.responsible_returned AS responsible_returned_prev_year, c.responsible_returned - p.responsible_returned AS responsible_returned_change_year,
    c.college_approved, p.college_approved AS college_approved_prev_year, c.college_approved - p.college_approved AS college_approved_change_year,
    c.graduate_approved, p.graduate_approved AS graduate_approved_prev_year, c.graduate_approved - p.graduate_approved AS graduate_approved_change_year,
    c.stem_approved, p.stem_approved AS stem_approved_prev_year, c.stem_approved - p.stem_approved AS stem_approved_change_year,
    c.placement_due, p.placement_due AS placement_due_prev_year, c.placement_due - p.placement_due AS placement_due_change_year,
    c.placed, p.placed AS placed_prev_year, c.placed - p.placed AS placed_change_year,
    c.applied_to_quota, p.applied_to_quota AS applied_to_quota_prev_year, c.applied_to_quota - p.applied_to_quota AS applied_to_quota_change_year,
    c.physical_pass_rate, p.physical_pass_rate AS physical_pass_rate_prev_year, c.physical_pass_rate - p.physical_pass_rate AS physical_pass_rate_change_year,
    c.political_pass_rate, p.political_pass_rate AS political_pass_rate_prev_year, c.political_pass_rate - p.political_pass_rate AS political_pass_rate_change_year,
    c.quota_completion, p.quota_completion AS quota_completion_prev_year, c.quota_completion - p.quota_completion AS quota_completion_change_year,
    c.college_ratio, p.college_ratio AS college_ratio_prev_year, c.college_ratio - p.college_ratio AS college_ratio_change_year,
    c.graduate_ratio, p.graduate_ratio AS graduate_ratio_prev_year, c.graduate_ratio - p.graduate_ratio AS graduate_ratio_change_year,
    c.stem_ratio, p.stem_ratio AS stem_ratio_prev_year, c.stem_ratio - p.stem_ratio AS stem_ratio_change_year,
    c.return_rate, p.return_rate AS return_rate_prev_year, c.return_rate - p.return_rate AS return_rate_change_year,
    c.placement_rate, p.placement_rate AS placement_rate_prev_year, c.placement_rate - p.placement_rate AS placement_rate_change_year,
    c.subsidy_on_time_rate, p.subsidy_on_time_rate AS subsidy_on_time_rate_prev_year, c.subsidy_on_time_rate - p.subsidy_on_time_rate AS subsidy_on_time_rate_change_year
FROM counts_at(as_of, y, s) c
LEFT JOIN counts_at(CAST(CAST(as_of AS DATE) - INTERVAL 1 YEAR AS DATE), y - 1, s) p
    ON p.region_code = c.region_code AND p.year = c.year - 1 AND p.season = c.season;
COMMENT ON MACRO TABLE metrics_year_on_year_at IS '同比 (去年同期): the main counts and rates of a season beside the same season last year as of the same day last year, with the change';

-- metrics_year_on_year: metrics_year_on_year_at for the session variables
-- as_of, year and season (all three required).
CREATE OR REPLACE VIEW metrics_year_on_year AS
SELECT * FROM metrics_year_on_year_at(model_parts.var_as_of('metrics_year_on_year'), model_parts.var_year('metrics_year_on_year'), model_parts.var_season('metrics_year_on_year'));
COMMENT ON VIEW metrics_year_on_year IS '同比: metrics_year_on_year_at(as_of, year, season) for the session variables';
COMMENT ON COLUMN metrics_year_on_year.region_code IS '区划代码';
COMMENT ON COLUMN metrics_year_on_year.region_name IS '单位';
COMMENT ON COLUMN metrics_year_on_year.level IS '层级: 1 province … 5 village';
COMMENT ON COLUMN metrics_year_on_year.parent_code IS '上级区划代码';
COMMENT ON COLUMN metrics_year_on_year.parent_name IS '上级单位';
COMMENT ON COLUMN metrics_year_on_year.province_name IS '省';
COMMENT ON COLUMN metrics_year_on_year.city_name IS '市 (the region itself for a city; NULL for a province)';
COMMENT ON COLUMN metrics_year_on_year.county_name IS '区县 (the region itself for a county; NULL above)';
COMMENT ON COLUMN metrics_year_on_year.year IS '年度';
COMMENT ON COLUMN metrics_year_on_year.season IS '批次';
COMMENT ON COLUMN metrics_year_on_year.as_of_date IS '统计截止日期';
COMMENT ON COLUMN metrics_year_on_year.prev_year_as_of_date IS '去年同期截止日期: as_of − 1 year';
COMMENT ON COLUMN metrics_year_on_year.has_data IS '有数据: the season has registrations or quotas';
COMMENT ON COLUMN metrics_year_on_year.has_data_prev_year IS '去年同期有数据; NULL when last year''s season does not appear at all';
COMMENT ON COLUMN metrics_year_on_year.quota IS '征集任务数 (this year; as metrics)';
COMMENT ON COLUMN metrics_year_on_year.quota_prev_year IS '去年同期征集任务数: the same season last year, as of the same day last year';
COMMENT ON COLUMN metrics_year_on_year.quota_change_year IS '较去年同期征集任务数: this year minus last (persons); NULL when either is';
COMMENT ON COLUMN metrics_year_on_year.registered IS '登记人数 (this year; as metrics)';
COMMENT ON COLUMN metrics_year_on_year.registered_prev_year IS '去年同期登记人数: the same season last year, as of the same day last year';
COMMENT ON COLUMN metrics_year_on_year.registered_change_year IS '较去年同期登记人数: this year minus last (persons); NULL when either is';
COMMENT ON COLUMN metrics_year_on_year.applied IS '报名人数 (this year; as metrics)';
COMMENT ON COLUMN metrics_year_on_year.applied_prev_year IS '去年同期报名人数: the same season last year, as of the same day last year';
COMMENT ON COLUMN metrics_year_on_year.applied_change_year IS '较去年同期报名人数: this year minus last (persons); NULL when either is';
COMMENT ON COLUMN metrics_year_on_year.physical_examined IS '体检人数 (this year; as metrics)';
COMMENT ON COLUMN metrics_year_on_year.physical_examined_prev_year IS '去年同期体检人数: the same season last year, as of the same day last year';
COMMENT ON COLUMN metrics_year_on_year.physical_examined_change_year IS '较去年同期体检人数: this year minus last (persons); NULL when either is';
COMMENT ON COLUMN metrics_year_on_year.physical_passed IS '体检合格人数 (this year; as metrics)';
COMMENT ON COLUMN metrics_year_on_year.physical_passed_prev_year IS '去年同期体检合格人数: the same season last year, as of the same day last year';
COMMENT ON COLUMN metrics_year_on_year.physical_passed_change_year IS '较去年同期体检合格人数: this year minus last (persons); NULL when either is';
COMMENT ON COLUMN metrics_year_on_year.political_reviewed IS '政考人数 (this year; as metrics)';
COMMENT ON COLUMN metrics_year_on_year.political_reviewed_prev_year IS '去年同期政考人数: the same season last year, as of the same day last year';
COMMENT ON COLUMN metrics_year_on_year.political_reviewed_change_year IS '较去年同期政考人数: this year minus last (persons); NULL when either is';
COMMENT ON COLUMN metrics_year_on_year.political_passed IS '政考合格人数 (this year; as metrics)';
COMMENT ON COLUMN metrics_year_on_year.political_passed_prev_year IS '去年同期政考合格人数: the same season last year, as of the same day last year';
COMMENT ON COLUMN metrics_year_on_year.political_passed_change_year IS '较去年同期政考合格人数: this year minus last (persons); NULL when either is';
COMMENT ON COLUMN metrics_year_on_year.double_qualified IS '双合格 (this year; as metrics)';
COMMENT ON COLUMN metrics_year_on_year.double_qualified_prev_year IS '去年同期双合格: the same season last year, as of the same day last year';
COMMENT ON COLUMN metrics_year_on_year.double_qualified_change_year IS '较去年同期双合格: this year minus last (persons); NULL when either is';
COMMENT ON COLUMN metrics_year_on_year.approved IS '定兵数 (this year; as metrics)';
COMMENT ON COLUMN metrics_year_on_year.approved_prev_year IS '去年同期定兵数: the same season last year, as of the same day last year';
COMMENT ON COLUMN metrics_year_on_year.approved_change_year IS '较去年同期定兵数: this year minus last (persons); NULL when either is';
COMMENT ON COLUMN metrics_year_on_year.returned IS '退兵数 (this year; as metrics)';
COMMENT ON COLUMN metrics_year_on_year.returned_prev_year IS '去年同期退兵数: the same season last year, as of the same day last year';
COMMENT ON COLUMN metrics_year_on_year.returned_change_year IS '较去年同期退兵数: this year minus last (persons); NULL when either is';
COMMENT ON COLUMN metrics_year_on_year.responsible_returned IS '有责退兵 (this year; as metrics)';
COMMENT ON COLUMN metrics_year_on_year.responsible_returned_prev_year IS '去年同期有责退兵: the same season last year, as of the same day last year';
COMMENT ON COLUMN metrics_year_on_year.responsible_returned_change_year IS '较去年同期有责退兵: this year minus last (persons); NULL when either is';
COMMENT ON COLUMN metrics_year_on_year.college_approved IS '大学生定兵数 (this year; as metrics)';
COMMENT ON COLUMN metrics_year_on_year.college_approved_prev_year IS '去年同期大学生定兵数: the same season last year, as of the same day last year';
COMMENT ON COLUMN metrics_year_on_year.college_approved_change_year IS '较去年同期大学生定兵数: this year minus last (persons); NULL when either is';
COMMENT ON COLUMN metrics_year_on_year.graduate_approved IS '大学毕业生定兵数 (this year; as metrics)';
COMMENT ON COLUMN metrics_year_on_year.graduate_approved_prev_year IS '去年同期大学毕业生定兵数: the same season last year, as of the same day last year';
COMMENT ON COLUMN metrics_year_on_year.graduate_approved_change_year IS '较去年同期大学毕业生定兵数: this year minus last (persons); NULL when either is';
COMMENT ON COLUMN metrics_year_on_year.stem_approved IS '理工类定兵数 (this year; as metrics)';
COMMENT ON COLUMN metrics_year_on_year.stem_approved_prev_year IS '去年同期理工类定兵数: the same season last year, as of the same day last year';
COMMENT ON COLUMN metrics_year_on_year.stem_approved_change_year IS '较去年同期理工类定兵数: this year minus last (persons); NULL when either is';
COMMENT ON COLUMN metrics_year_on_year.placement_due IS '应安置 (this year; as metrics)';
COMMENT ON COLUMN metrics_year_on_year.placement_due_prev_year IS '去年同期应安置: the same season last year, as of the same day last year';
COMMENT ON COLUMN metrics_year_on_year.placement_due_change_year IS '较去年同期应安置: this year minus last (persons); NULL when either is';
COMMENT ON COLUMN metrics_year_on_year.placed IS '已安置 (this year; as metrics)';
COMMENT ON COLUMN metrics_year_on_year.placed_prev_year IS '去年同期已安置: the same season last year, as of the same day last year';
COMMENT ON COLUMN metrics_year_on_year.placed_change_year IS '较去年同期已安置: this year minus last (persons); NULL when either is';
COMMENT ON COLUMN metrics_year_on_year.applied_to_quota IS '报名任务比 (this year; as metrics)';
COMMENT ON COLUMN metrics_year_on_year.applied_to_quota_prev_year IS '去年同期报名任务比: the same season last year, as of the same day last year';
COMMENT ON COLUMN metrics_year_on_year.applied_to_quota_change_year IS '较去年同期报名任务比: this year minus last (个百分点 as a ratio difference); NULL when either is';
COMMENT ON COLUMN metrics_year_on_year.physical_pass_rate IS '体检合格率 (this year; as metrics)';
COMMENT ON COLUMN metrics_year_on_year.physical_pass_rate_prev_year IS '去年同期体检合格率: the same season last year, as of the same day last year';
COMMENT ON COLUMN metrics_year_on_year.physical_pass_rate_change_year IS '较去年同期体检合格率: this year minus last (个百分点 as a ratio difference); NULL when either is';
COMMENT ON COLUMN metrics_year_on_year.political_pass_rate IS '政考合格率 (this year; as metrics)';
COMMENT ON COLUMN metrics_year_on_year.political_pass_rate_prev_year IS '去年同期政考合格率: the same season last year, as of the same day last year';
COMMENT ON COLUMN metrics_year_on_year.political_pass_rate_change_year IS '较去年同期政考合格率: this year minus last (个百分点 as a ratio difference); NULL when either is';
COMMENT ON COLUMN metrics_year_on_year.quota_completion IS '任务完成率 (this year; as metrics)';
COMMENT ON COLUMN metrics_year_on_year.quota_completion_prev_year IS '去年同期任务完成率: the same season last year, as of the same day last year';
COMMENT ON COLUMN metrics_year_on_year.quota_completion_change_year IS '较去年同期任务完成率: this year minus last (个百分点 as a ratio difference); NULL when either is';
COMMENT ON COLUMN metrics_year_on_year.college_ratio IS '大学生比例 (this year; as metrics)';
COMMENT ON COLUMN metrics_year_on_year.college_ratio_prev_year IS '去年同期大学生比例: the same season last year, as of the same day last year';
COMMENT ON COLUMN metrics_year_on_year.college_ratio_change_year IS '较去年同期大学生比例: this year minus last (个百分点 as a ratio difference); NULL when either is';
COMMENT ON COLUMN metrics_year_on_year.graduate_ratio IS '大学毕业生比例 (this year; as metrics)';
COMMENT ON COLUMN metrics_year_on_year.graduate_ratio_prev_year IS '去年同期大学毕业生比例: the same season last year, as of the same day last year';
COMMENT ON COLUMN metrics_year_on_year.graduate_ratio_change_year IS '较去年同期大学毕业生比例: this year minus last (个百分点 as a ratio difference); NULL when either is';
COMMENT ON COLUMN metrics_year_on_year.stem_ratio IS '理工类比例 (this year; as metrics)';
COMMENT ON COLUMN metrics_year_on_year.stem_ratio_prev_year IS '去年同期理工类比例: the same season last year, as of the same day last year';
COMMENT ON COLUMN metrics_year_on_year.stem_ratio_change_year IS '较去年同期理工类比例: this year minus last (个百分点 as a ratio difference); NULL when either is';
COMMENT ON COLUMN metrics_year_on_year.return_rate IS '退兵率 (this year; as metrics)';
COMMENT ON COLUMN metrics_year_on_year.return_rate_prev_year IS '去年同期退兵率: the same season last year, as of the same day last year';
COMMENT ON COLUMN metrics_year_on_year.return_rate_change_year IS '较去年同期退兵率: this year minus last (个百分点 as a ratio difference); NULL when either is';
COMMENT ON COLUMN metrics_year_on_year.placement_rate IS '安置率 (this year; as metrics)';
COMMENT ON COLUMN metrics_year_on_year.placement_rate_prev_year IS '去年同期安置率: the same season last year, as of the same day last year';
COMMENT ON COLUMN metrics_year_on_year.placement_rate_change_year IS '较去年同期安置率: this year minus last (个百分点 as a ratio difference); NULL when either is';
COMMENT ON COLUMN metrics_year_on_year.subsidy_on_time_rate IS '补助按时发放率 (this year; as metrics)';
COMMENT ON COLUMN metrics_year_on_year.subsidy_on_time_rate_prev_year IS '去年同期补助按时发放率: the same season last year, as of the same day last year';
COMMENT ON COLUMN metrics_year_on_year.subsidy_on_time_rate_change_year IS '较去年同期补助按时发放率: this year minus last (个百分点 as a ratio difference); NULL when either is';
