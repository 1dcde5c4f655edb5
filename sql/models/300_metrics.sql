-- metrics: the figures the weekly bulletin reports, for every region and
-- level of one year and season, as of the session variable as_of. All
-- three variables must be set: the view never guesses today's date nor sums
-- the seasons of a year (enlist sql sets what is missing from the
-- configured season windows and says so; anything else gets an error
-- naming the variable):
--     SET VARIABLE as_of = DATE '2025-03-05';
--     SET VARIABLE year = 2025;
--     SET VARIABLE season = 1;
--     SELECT * FROM metrics WHERE region_code LIKE '41%';
-- Counts roll up bottom-up; rates are recomputed from summed numerators and
-- denominators and are NULL when the denominator is zero.
-- Each argument checks the variables before it too, so the first unset one
-- is named whichever argument DuckDB happens to evaluate first.
CREATE OR REPLACE VIEW metrics AS
SELECT * FROM metrics_at(
    coalesce(try_cast(getvariable('as_of') AS DATE),
             error('metrics: set the variable as_of to a date (SET VARIABLE as_of = DATE ''2025-03-05'')')),
    CASE WHEN try_cast(getvariable('as_of') AS DATE) IS NULL THEN error('metrics: set the variable as_of to a date (SET VARIABLE as_of = DATE ''2025-03-05'')')
         ELSE coalesce(try_cast(getvariable('year') AS INTEGER), error('metrics: set the variable year (SET VARIABLE year = 2025)')) END,
    CASE WHEN try_cast(getvariable('as_of') AS DATE) IS NULL THEN error('metrics: set the variable as_of to a date (SET VARIABLE as_of = DATE ''2025-03-05'')')
         WHEN try_cast(getvariable('year') AS INTEGER) IS NULL THEN error('metrics: set the variable year (SET VARIABLE year = 2025)')
         WHEN try_cast(getvariable('season') AS INTEGER) IN (1, 2) THEN try_cast(getvariable('season') AS INTEGER)
         ELSE error('metrics: set the variable season to 1 or 2 (SET VARIABLE season = 1)') END);
COMMENT ON VIEW metrics IS '征兵工作指标: every SPEC §7 measure, pace, week-on-week change and score by region for getvariable(''year''), getvariable(''season'') as of getvariable(''as_of''); all three must be set (enlist sql fills unset ones from the season windows and says so) — metrics_at(as_of, year, season) as a view, the weekly bulletin''s verdicts and ranks included';
COMMENT ON COLUMN metrics.region_code IS '区划代码';
COMMENT ON COLUMN metrics.region_name IS '单位: region name';
COMMENT ON COLUMN metrics.level IS '层级: 1 province, 2 city, 3 county, 4 town, 5 village';
COMMENT ON COLUMN metrics.parent_code IS '上级区划代码; NULL for a province';
COMMENT ON COLUMN metrics.year IS '年度';
COMMENT ON COLUMN metrics.season IS '批次: 1 上半年, 2 下半年';
COMMENT ON COLUMN metrics.as_of_date IS '统计截止日期: nothing dated after it counts';
COMMENT ON COLUMN metrics.has_data IS '有数据: the season has registrations or quotas in the province; when false every conscription figure, score and rank is NULL (not zero) and only resettlement is counted';
COMMENT ON COLUMN metrics.parent_name IS '上级单位: the parent region''s name';
COMMENT ON COLUMN metrics.province_name IS '省';
COMMENT ON COLUMN metrics.city_name IS '市: the city the region lies in (itself for a city; NULL for a province)';
COMMENT ON COLUMN metrics.county_name IS '区县: the county the region lies in (itself for a county; NULL above)';
COMMENT ON COLUMN metrics.quota IS '征集任务数: the region''s own quota row, else the sum of the nearest rows below it';
COMMENT ON COLUMN metrics.registered IS '登记人数: people registered (registered_on ≤ as-of), each once, in the region of their latest registration';
COMMENT ON COLUMN metrics.applied IS '报名人数: registered people who applied to serve';
COMMENT ON COLUMN metrics.applied_to_quota IS '报名任务比 = applied / quota';
COMMENT ON COLUMN metrics.physical_examined IS '体检人数: people with a physical examination result (latest per person)';
COMMENT ON COLUMN metrics.physical_passed IS '体检合格人数 (latest result is a pass)';
COMMENT ON COLUMN metrics.physical_pass_rate IS '体检合格率 = physical_passed / physical_examined';
COMMENT ON COLUMN metrics.political_reviewed IS '政考人数: people with a political review result (latest per person)';
COMMENT ON COLUMN metrics.political_passed IS '政考合格人数';
COMMENT ON COLUMN metrics.political_pass_rate IS '政考合格率 = political_passed / political_reviewed';
COMMENT ON COLUMN metrics.double_qualified IS '双合格: passed both physical and political (latest results)';
COMMENT ON COLUMN metrics.approved IS '定兵数: approvals with approved_on ≤ as-of, once per person';
COMMENT ON COLUMN metrics.returned IS '退兵数: approved recruits returned on or before as-of';
COMMENT ON COLUMN metrics.responsible_returned IS '有责退兵: returns counted against the region';
COMMENT ON COLUMN metrics.quota_completion IS '任务完成率 = (approved − returned) / quota';
COMMENT ON COLUMN metrics.college_approved IS '大学生定兵数: approved with education 大专 or above';
COMMENT ON COLUMN metrics.college_ratio IS '大学生比例 = college_approved / approved';
COMMENT ON COLUMN metrics.graduate_approved IS '大学毕业生定兵数: approved college people who have graduated (应届, 往届)';
COMMENT ON COLUMN metrics.graduate_ratio IS '大学毕业生比例 = graduate_approved / approved';
COMMENT ON COLUMN metrics.stem_approved IS '理工类定兵数: approved college people with a science or engineering major';
COMMENT ON COLUMN metrics.stem_ratio IS '理工类比例 = stem_approved / college_approved';
COMMENT ON COLUMN metrics.return_rate IS '退兵率 = returned / approved';
COMMENT ON COLUMN metrics.placement_due IS '应安置: veterans with plan assigned_job discharged in this season''s half-year, placed or discharged at least placement_window_days before as-of (county of placement)';
COMMENT ON COLUMN metrics.placed IS '已安置: of those, placed on or before as-of';
COMMENT ON COLUMN metrics.placement_rate IS '安置率 = placed / placement_due';
COMMENT ON COLUMN metrics.avg_placement_days IS '平均安置天数: mean days from discharge to placement of those placed';
COMMENT ON COLUMN metrics.self_employed IS '自主就业: self-employed veterans discharged in the half-year, on or before as-of';
COMMENT ON COLUMN metrics.subsidy_due IS '补助应发: self-employed veterans discharged at least subsidy_deadline_days before as-of';
COMMENT ON COLUMN metrics.subsidy_on_time IS '补助按时发放: of those, paid within the deadline after discharge';
COMMENT ON COLUMN metrics.subsidy_on_time_rate IS '补助按时发放率 = subsidy_on_time / subsidy_due';
COMMENT ON COLUMN metrics.college_target IS '大学生比例目标: nearest quota row at or above the region that sets one, else settings';
COMMENT ON COLUMN metrics.graduate_target IS '大学毕业生比例目标: as college_target';
COMMENT ON COLUMN metrics.elapsed_share IS '时间进度: share of the season''s window (season_calendar) elapsed at as-of, 0–1';
COMMENT ON COLUMN metrics.pace_gap IS '进度差 = quota_completion − elapsed_share; negative is behind';
COMMENT ON COLUMN metrics.projected_completion IS '预计完成率 = quota_completion / elapsed_share (straight-line to the season''s end)';
COMMENT ON COLUMN metrics.completion_score IS '任务完成得分: 100 × min(quota_completion, 1)';
COMMENT ON COLUMN metrics.college_score IS '大学生比例得分: 100 × min(college_ratio / college_target, 1)';
COMMENT ON COLUMN metrics.graduate_score IS '大学毕业生比例得分: 100 × min(graduate_ratio / graduate_target, 1)';
COMMENT ON COLUMN metrics.stem_score IS '理工类比例得分: 100 × min(stem_ratio / stem_target, 1)';
COMMENT ON COLUMN metrics.return_score IS '退兵率得分: 100 × max(0, 1 − return_rate / target.return_rate_max)';
COMMENT ON COLUMN metrics.stem_target IS '理工类比例目标 (settings)';
COMMENT ON COLUMN metrics.composite_score IS '五率总评得分: the five scores weighted by settings weight.*; NULL for a region without quota or approvals';
COMMENT ON COLUMN metrics.composite_rank IS '总评排名 among sibling regions with a score (same parent, season); equal scores as printed (one decimal) share a rank';
COMMENT ON COLUMN metrics.completion_rank IS '完成率排名 among sibling regions with a quota (same parent, season); equal rates as printed (one decimal of a percent) share a rank';
COMMENT ON COLUMN metrics.quota_change IS '较上周: quota now minus quota as of 7 days earlier';
COMMENT ON COLUMN metrics.registered_change IS '较上周: registered now minus registered as of 7 days earlier';
COMMENT ON COLUMN metrics.applied_change IS '较上周: applied now minus applied as of 7 days earlier';
COMMENT ON COLUMN metrics.physical_examined_change IS '较上周: physical_examined now minus physical_examined as of 7 days earlier';
COMMENT ON COLUMN metrics.physical_passed_change IS '较上周: physical_passed now minus physical_passed as of 7 days earlier';
COMMENT ON COLUMN metrics.political_reviewed_change IS '较上周: political_reviewed now minus political_reviewed as of 7 days earlier';
COMMENT ON COLUMN metrics.political_passed_change IS '较上周: political_passed now minus political_passed as of 7 days earlier';
COMMENT ON COLUMN metrics.double_qualified_change IS '较上周: double_qualified now minus double_qualified as of 7 days earlier';
COMMENT ON COLUMN metrics.approved_change IS '较上周: approved now minus approved as of 7 days earlier';
COMMENT ON COLUMN metrics.returned_change IS '较上周: returned now minus returned as of 7 days earlier';
COMMENT ON COLUMN metrics.responsible_returned_change IS '较上周: responsible_returned now minus responsible_returned as of 7 days earlier';
COMMENT ON COLUMN metrics.college_approved_change IS '较上周: college_approved now minus college_approved as of 7 days earlier';
COMMENT ON COLUMN metrics.graduate_approved_change IS '较上周: graduate_approved now minus graduate_approved as of 7 days earlier';
COMMENT ON COLUMN metrics.stem_approved_change IS '较上周: stem_approved now minus stem_approved as of 7 days earlier';
COMMENT ON COLUMN metrics.placement_due_change IS '较上周: placement_due now minus placement_due as of 7 days earlier';
COMMENT ON COLUMN metrics.placed_change IS '较上周: placed now minus placed as of 7 days earlier';
COMMENT ON COLUMN metrics.self_employed_change IS '较上周: self_employed now minus self_employed as of 7 days earlier';
COMMENT ON COLUMN metrics.subsidy_due_change IS '较上周: subsidy_due now minus subsidy_due as of 7 days earlier';
COMMENT ON COLUMN metrics.subsidy_on_time_change IS '较上周: subsidy_on_time now minus subsidy_on_time as of 7 days earlier';
COMMENT ON COLUMN metrics.applied_to_quota_change IS '较上周: applied_to_quota now minus applied_to_quota as of 7 days earlier';
COMMENT ON COLUMN metrics.physical_pass_rate_change IS '较上周: physical_pass_rate now minus physical_pass_rate as of 7 days earlier';
COMMENT ON COLUMN metrics.political_pass_rate_change IS '较上周: political_pass_rate now minus political_pass_rate as of 7 days earlier';
COMMENT ON COLUMN metrics.quota_completion_change IS '较上周: quota_completion now minus quota_completion as of 7 days earlier';
COMMENT ON COLUMN metrics.college_ratio_change IS '较上周: college_ratio now minus college_ratio as of 7 days earlier';
COMMENT ON COLUMN metrics.graduate_ratio_change IS '较上周: graduate_ratio now minus graduate_ratio as of 7 days earlier';
COMMENT ON COLUMN metrics.stem_ratio_change IS '较上周: stem_ratio now minus stem_ratio as of 7 days earlier';
COMMENT ON COLUMN metrics.return_rate_change IS '较上周: return_rate now minus return_rate as of 7 days earlier';
COMMENT ON COLUMN metrics.placement_rate_change IS '较上周: placement_rate now minus placement_rate as of 7 days earlier';
COMMENT ON COLUMN metrics.subsidy_on_time_rate_change IS '较上周: subsidy_on_time_rate now minus subsidy_on_time_rate as of 7 days earlier';
COMMENT ON COLUMN metrics.season_start IS '本季开始日期 (season_calendar)';
COMMENT ON COLUMN metrics.season_end IS '本季截止日期 (season_calendar)';
COMMENT ON COLUMN metrics.pace_gap_printed IS '进度差 as the bulletin prints it: printed completion − printed time progress (个百分点 once × 100)';
COMMENT ON COLUMN metrics.quota_completion_change_printed IS '较上周 of completion as the bulletin prints it: printed completion now − printed completion 7 days earlier';
COMMENT ON COLUMN metrics.projected_completion_printed IS '预计完成率 as the bulletin prints it: projected_completion, NULL before the first approval';
COMMENT ON COLUMN metrics.behind_margin IS 'behind_margin (enlist.yaml): how far behind time progress a region may be before it is named under 需关注';
COMMENT ON COLUMN metrics.attention_min_recruits IS 'bulletin.attention_min_recruits (enlist.yaml): fewest recruits a ratio is judged on';
COMMENT ON COLUMN metrics.return_rate_max IS '退兵率上限 (settings target.return_rate_max)';
COMMENT ON COLUMN metrics.physical_target IS '体检合格率目标 (settings target.physical_pass_rate)';
COMMENT ON COLUMN metrics.political_target IS '政考合格率目标 (settings target.political_pass_rate)';
COMMENT ON COLUMN metrics.placement_target IS '安置率目标 (settings target.placement_rate)';
COMMENT ON COLUMN metrics.subsidy_target IS '补助按时发放率目标 (settings target.subsidy_on_time_rate)';
COMMENT ON COLUMN metrics.season_ended IS 'the season''s window has ended at as-of';
COMMENT ON COLUMN metrics.completion_target IS '任务完成率目标: the time progress (100% once the season has ended); NULL without a quota';
COMMENT ON COLUMN metrics.still_needed IS '尚差: recruits still needed to meet the quota';
COMMENT ON COLUMN metrics.days_left IS '距截止天数: days from as-of to the season''s end';
COMMENT ON COLUMN metrics.completion_met IS '达标: printed completion ≥ printed time progress';
COMMENT ON COLUMN metrics.college_met IS '达标: college_ratio ≥ college_target as printed; NULL under attention_min_recruits approvals';
COMMENT ON COLUMN metrics.graduate_met IS '达标: graduate_ratio ≥ graduate_target as printed; NULL under attention_min_recruits approvals';
COMMENT ON COLUMN metrics.stem_met IS '达标: stem_ratio ≥ stem_target as printed; NULL under attention_min_recruits college recruits';
COMMENT ON COLUMN metrics.return_met IS '达标: return_rate < return_rate_max as printed; NULL under attention_min_recruits approvals';
COMMENT ON COLUMN metrics.physical_met IS '达标: physical_pass_rate ≥ physical_target as printed';
COMMENT ON COLUMN metrics.political_met IS '达标: political_pass_rate ≥ political_target as printed';
COMMENT ON COLUMN metrics.placement_met IS '达标: placement_rate ≥ placement_target as printed';
COMMENT ON COLUMN metrics.subsidy_met IS '达标: subsidy_on_time_rate ≥ subsidy_target as printed';
COMMENT ON COLUMN metrics.no_approvals_late IS 'applicants but no approval with half the season gone';
COMMENT ON COLUMN metrics.few_recruits IS 'some approvals but fewer than attention_min_recruits: recruit ratios are not judged';
COMMENT ON COLUMN metrics.behind IS '落后: printed completion behind printed time progress by more than behind_margin';
COMMENT ON COLUMN metrics.pace_severity IS '需关注·进度: how far behind time (ratio); NULL when not named';
COMMENT ON COLUMN metrics.quality_severity IS '需关注·质量: the largest shortfall of a judged recruit ratio (ratio); NULL when not named';
COMMENT ON COLUMN metrics.female_quota IS '女兵征集任务数: the region''s own female quota row (track female), else the sum of the nearest female rows below it; 0 without one';
COMMENT ON COLUMN metrics.female_registered IS '女性登记人数: registered women (gender female)';
COMMENT ON COLUMN metrics.female_applied IS '女兵报名人数: registered women who applied';
COMMENT ON COLUMN metrics.female_double_qualified IS '女兵双合格: women who passed both examinations';
COMMENT ON COLUMN metrics.female_approved IS '女兵定兵数: women approved';
COMMENT ON COLUMN metrics.female_returned IS '女兵退兵数: women approved and returned';
COMMENT ON COLUMN metrics.female_counted IS '计入女兵任务: approved less returned women whose region, or a region above it, has a female quota row; they count against female_quota and not in quota_completion';
COMMENT ON COLUMN metrics.female_quota_completion IS '女兵任务完成率: female_counted / female_quota; NULL without a female quota';
COMMENT ON COLUMN metrics.minority_registered IS '少数民族登记人数: registered people of any of the 56 peoples but 汉族 (ethnic_groups)';
COMMENT ON COLUMN metrics.minority_applied IS '少数民族报名人数';
COMMENT ON COLUMN metrics.minority_approved IS '少数民族定兵数';
COMMENT ON COLUMN metrics.minority_registered_share IS '少数民族登记占比: minority_registered / registered';
COMMENT ON COLUMN metrics.minority_applied_share IS '少数民族应征报名比例: minority_applied / applied; judged against minority_target';
COMMENT ON COLUMN metrics.minority_approved_share IS '少数民族定兵占比: minority_approved / approved';
COMMENT ON COLUMN metrics.minority_score IS '少数民族比例得分: 100 × min(minority_applied_share / minority_target, 1); NULL while targets.minority_share is unset';
COMMENT ON COLUMN metrics.minority_target IS '少数民族报名比例目标 (enlist.yaml targets.minority_share); NULL when unset';
COMMENT ON COLUMN metrics.minority_met IS '达标: minority_applied_share ≥ minority_target as printed; NULL without a target';
COMMENT ON COLUMN metrics.female_completion_met IS '达标: printed female_quota_completion ≥ printed time progress; NULL without a female quota';
COMMENT ON COLUMN metrics.female_quota_change IS '较上周: female_quota now minus female_quota as of 7 days earlier';
COMMENT ON COLUMN metrics.female_registered_change IS '较上周: female_registered now minus female_registered as of 7 days earlier';
COMMENT ON COLUMN metrics.female_applied_change IS '较上周: female_applied now minus female_applied as of 7 days earlier';
COMMENT ON COLUMN metrics.female_double_qualified_change IS '较上周: female_double_qualified now minus female_double_qualified as of 7 days earlier';
COMMENT ON COLUMN metrics.female_approved_change IS '较上周: female_approved now minus female_approved as of 7 days earlier';
COMMENT ON COLUMN metrics.female_returned_change IS '较上周: female_returned now minus female_returned as of 7 days earlier';
COMMENT ON COLUMN metrics.female_counted_change IS '较上周: female_counted now minus female_counted as of 7 days earlier';
COMMENT ON COLUMN metrics.female_quota_completion_change IS '较上周: female_quota_completion now minus female_quota_completion as of 7 days earlier';
COMMENT ON COLUMN metrics.minority_registered_change IS '较上周: minority_registered now minus minority_registered as of 7 days earlier';
COMMENT ON COLUMN metrics.minority_applied_change IS '较上周: minority_applied now minus minority_applied as of 7 days earlier';
COMMENT ON COLUMN metrics.minority_approved_change IS '较上周: minority_approved now minus minority_approved as of 7 days earlier';
COMMENT ON COLUMN metrics.minority_registered_share_change IS '较上周: minority_registered_share now minus minority_registered_share as of 7 days earlier';
COMMENT ON COLUMN metrics.minority_applied_share_change IS '较上周: minority_applied_share now minus minority_applied_share as of 7 days earlier';
COMMENT ON COLUMN metrics.minority_approved_share_change IS '较上周: minority_approved_share now minus minority_approved_share as of 7 days earlier';
