-- track_metrics_at(as_of, y, s): the counts and rates of each track — male
-- (男兵: men, and anyone whose gender is not given) and female (女兵: women)
-- — for every region, level, year and season, as of a date. Every count
-- follows counts_at's rules (200) and the two tracks add up to its figures.
-- A track's quota is that of its quota rows (quotas.track; a row without
-- one is male). counted is what completes the track's quota: for female,
-- the women a female quota covers (a female row at their region or above
-- it), approved less returned; for male, everyone else approved less
-- returned — the men, and women no female quota covers, counted as before
-- tracks existed. So the male track's quota_completion is the metrics
-- view's quota_completion, the female one its female_quota_completion.
CREATE OR REPLACE MACRO track_metrics_at(as_of, y, s) AS TABLE
WITH levels AS (
    SELECT unnest([2, 4, 6, 9, 12]) AS n
),
leaf AS (
    SELECT
        CASE WHEN female THEN 'female' ELSE 'male' END AS track, region_code, year, season,
        count(*) AS registered,
        count(*) FILTER (applied) AS applied,
        count(*) FILTER (physical_examined) AS physical_examined,
        count(*) FILTER (physical_passed) AS physical_passed,
        count(*) FILTER (political_reviewed) AS political_reviewed,
        count(*) FILTER (political_passed) AS political_passed,
        count(*) FILTER (physical_passed AND political_passed) AS double_qualified,
        count(*) FILTER (approved) AS approved,
        count(*) FILTER (approved AND returned) AS returned,
        count(*) FILTER (approved AND responsible_returned) AS responsible_returned,
        count(*) FILTER (approved AND college) AS college_approved,
        count(*) FILTER (approved AND college AND graduated) AS graduate_approved,
        count(*) FILTER (approved AND college AND stem) AS stem_approved,
        count(*) FILTER (minority) AS minority_registered,
        count(*) FILTER (minority AND applied) AS minority_applied,
        count(*) FILTER (minority AND approved) AS minority_approved
    -- One date: with prev NULL the people are read for as_of alone.
    FROM person_flags_at(as_of, NULL, y, s)
    WHERE t = 'cur'
    GROUP BY ALL
),
rolled AS (
    SELECT track, left(region_code, n) AS region_code, year, season,
           sum(registered) AS registered, sum(applied) AS applied,
           sum(physical_examined) AS physical_examined, sum(physical_passed) AS physical_passed,
           sum(political_reviewed) AS political_reviewed, sum(political_passed) AS political_passed,
           sum(double_qualified) AS double_qualified, sum(approved) AS approved, sum(returned) AS returned,
           sum(responsible_returned) AS responsible_returned, sum(college_approved) AS college_approved,
           sum(graduate_approved) AS graduate_approved, sum(stem_approved) AS stem_approved,
           sum(minority_registered) AS minority_registered, sum(minority_applied) AS minority_applied,
           sum(minority_approved) AS minority_approved
    FROM leaf, levels
    WHERE length(region_code) >= n
    GROUP BY ALL
),
-- Every region of counts_at, once per track, with the track's quota and
-- what counts against it.
frame AS (
    SELECT c.region_code, c.region_name, c.level, c.parent_code, c.year, c.season, c.as_of_date, c.has_data,
           t.track,
           CASE t.track WHEN 'female' THEN c.female_quota ELSE c.quota END AS quota,
           CASE t.track WHEN 'female' THEN c.female_counted
                ELSE c.approved - c.returned - c.female_counted END AS counted
    FROM counts_at(as_of, y, s) c, (VALUES ('male'), ('female')) t(track)
),
counts AS (
    SELECT f.*,
        CASE WHEN f.has_data THEN coalesce(r.registered, 0)::BIGINT END AS registered,
        CASE WHEN f.has_data THEN coalesce(r.applied, 0)::BIGINT END AS applied,
        CASE WHEN f.has_data THEN coalesce(r.physical_examined, 0)::BIGINT END AS physical_examined,
        CASE WHEN f.has_data THEN coalesce(r.physical_passed, 0)::BIGINT END AS physical_passed,
        CASE WHEN f.has_data THEN coalesce(r.political_reviewed, 0)::BIGINT END AS political_reviewed,
        CASE WHEN f.has_data THEN coalesce(r.political_passed, 0)::BIGINT END AS political_passed,
        CASE WHEN f.has_data THEN coalesce(r.double_qualified, 0)::BIGINT END AS double_qualified,
        CASE WHEN f.has_data THEN coalesce(r.approved, 0)::BIGINT END AS approved,
        CASE WHEN f.has_data THEN coalesce(r.returned, 0)::BIGINT END AS returned,
        CASE WHEN f.has_data THEN coalesce(r.responsible_returned, 0)::BIGINT END AS responsible_returned,
        CASE WHEN f.has_data THEN coalesce(r.college_approved, 0)::BIGINT END AS college_approved,
        CASE WHEN f.has_data THEN coalesce(r.graduate_approved, 0)::BIGINT END AS graduate_approved,
        CASE WHEN f.has_data THEN coalesce(r.stem_approved, 0)::BIGINT END AS stem_approved,
        CASE WHEN f.has_data THEN coalesce(r.minority_registered, 0)::BIGINT END AS minority_registered,
        CASE WHEN f.has_data THEN coalesce(r.minority_applied, 0)::BIGINT END AS minority_applied,
        CASE WHEN f.has_data THEN coalesce(r.minority_approved, 0)::BIGINT END AS minority_approved
    FROM frame f
    LEFT JOIN rolled r USING (track, region_code, year, season)
)
SELECT
    region_code, region_name, level, parent_code, year, season, as_of_date, has_data, track,
    CASE track WHEN 'female' THEN '女兵' ELSE '男兵' END AS track_label,
    quota, registered, applied,
    applied / nullif(quota, 0) AS applied_to_quota,
    physical_examined, physical_passed,
    physical_passed / nullif(physical_examined, 0) AS physical_pass_rate,
    political_reviewed, political_passed,
    political_passed / nullif(political_reviewed, 0) AS political_pass_rate,
    double_qualified, approved, returned, responsible_returned,
    counted,
    counted / nullif(quota, 0) AS quota_completion,
    college_approved, college_approved / nullif(approved, 0) AS college_ratio,
    graduate_approved, graduate_approved / nullif(approved, 0) AS graduate_ratio,
    stem_approved, stem_approved / nullif(college_approved, 0) AS stem_ratio,
    returned / nullif(approved, 0) AS return_rate,
    minority_registered, minority_applied, minority_approved,
    minority_applied / nullif(applied, 0) AS minority_applied_share
FROM counts;
COMMENT ON MACRO TABLE track_metrics_at IS '分类别指标 (男兵/女兵): counts and rates by region and track (male, female) as of a date; the two tracks add up to counts_at, and each track''s completion counts against its own quota';

-- track_metrics: track_metrics_at for the session variables as_of, year and
-- season (all three required, as for metrics).
CREATE OR REPLACE VIEW track_metrics AS
SELECT * FROM track_metrics_at(model_parts.var_as_of('track_metrics'), model_parts.var_year('track_metrics'), model_parts.var_season('track_metrics'));
COMMENT ON VIEW track_metrics IS '分类别指标: track_metrics_at(as_of, year, season) for the session variables; one row per region and track (男兵 male, 女兵 female)';
COMMENT ON COLUMN track_metrics.region_code IS '区划代码';
COMMENT ON COLUMN track_metrics.region_name IS '单位';
COMMENT ON COLUMN track_metrics.level IS '层级: 1 province … 5 village';
COMMENT ON COLUMN track_metrics.parent_code IS '上级区划代码';
COMMENT ON COLUMN track_metrics.year IS '年度';
COMMENT ON COLUMN track_metrics.season IS '批次: 1 上半年, 2 下半年';
COMMENT ON COLUMN track_metrics.as_of_date IS '统计截止日期';
COMMENT ON COLUMN track_metrics.has_data IS '有数据: the season has registrations or quotas in the province';
COMMENT ON COLUMN track_metrics.track IS '征集类别代码: male (men, and gender not given), female (women)';
COMMENT ON COLUMN track_metrics.track_label IS '征集类别: 男兵, 女兵';
COMMENT ON COLUMN track_metrics.quota IS '征集任务数 of the track: quota (male) or female_quota (female) of the metrics view';
COMMENT ON COLUMN track_metrics.registered IS '登记人数';
COMMENT ON COLUMN track_metrics.applied IS '报名人数';
COMMENT ON COLUMN track_metrics.applied_to_quota IS '报名任务比: applied / quota';
COMMENT ON COLUMN track_metrics.physical_examined IS '体检人数';
COMMENT ON COLUMN track_metrics.physical_passed IS '体检合格人数';
COMMENT ON COLUMN track_metrics.physical_pass_rate IS '体检合格率';
COMMENT ON COLUMN track_metrics.political_reviewed IS '政考人数';
COMMENT ON COLUMN track_metrics.political_passed IS '政考合格人数';
COMMENT ON COLUMN track_metrics.political_pass_rate IS '政考合格率';
COMMENT ON COLUMN track_metrics.double_qualified IS '双合格';
COMMENT ON COLUMN track_metrics.approved IS '定兵数';
COMMENT ON COLUMN track_metrics.returned IS '退兵数';
COMMENT ON COLUMN track_metrics.responsible_returned IS '有责退兵';
COMMENT ON COLUMN track_metrics.counted IS '计入任务: approved less returned counted against this track''s quota (female: women a female quota covers; male: everyone else)';
COMMENT ON COLUMN track_metrics.quota_completion IS '任务完成率: counted / quota';
COMMENT ON COLUMN track_metrics.college_approved IS '大学生定兵数';
COMMENT ON COLUMN track_metrics.college_ratio IS '大学生比例';
COMMENT ON COLUMN track_metrics.graduate_approved IS '大学毕业生定兵数';
COMMENT ON COLUMN track_metrics.graduate_ratio IS '大学毕业生比例';
COMMENT ON COLUMN track_metrics.stem_approved IS '理工类定兵数';
COMMENT ON COLUMN track_metrics.stem_ratio IS '理工类比例';
COMMENT ON COLUMN track_metrics.return_rate IS '退兵率';
COMMENT ON COLUMN track_metrics.minority_registered IS '少数民族登记人数';
COMMENT ON COLUMN track_metrics.minority_applied IS '少数民族报名人数';
COMMENT ON COLUMN track_metrics.minority_approved IS '少数民族定兵数';
COMMENT ON COLUMN track_metrics.minority_applied_share IS '少数民族应征报名比例: minority_applied / applied';
