-- bulletin_at(as_of, y, s): scores_at (210) plus the weekly bulletin's
-- judgements, the one home of its rules (SPEC §8): every sheet of the
-- workbook and the page read these columns, so an analyst who queries the
-- bulletin view sees the verdicts the bulletin prints.
--
-- Rounding: a figure prints as a percentage with one decimal, rounded half
-- away from zero (DuckDB's round of a DOUBLE, as LibreOffice and Excel
-- display 0.6625 as 66.3%). Verdicts compare the figures as printed, so a
-- reader never sees 3.8% against 3.8% called a shortfall; differences of two
-- rates (进度差, 较上周) are differences of the printed figures, in
-- percentage points (个百分点).
--
-- 达标: at or above the target. Completion's target is the time progress,
-- which is 100% once the season's window has ended. The behind margin
-- (behind_margin) only decides who is named under 需关注, never 达标.
--
-- A ratio of recruits (大学生, 大学毕业生, 理工类比例, 退兵率) is judged only
-- on at least attention_min_recruits recruits in its denominator; below that
-- its verdict is NULL and the bulletin shows the count. A region with no
-- quota has no completion, no completion rank and no composite score; a
-- region with no approvals yet has no composite score and no projection:
-- NULL, printed as "—", never a zero, a score or a rank.
CREATE OR REPLACE MACRO bulletin_at(as_of, y, s) AS TABLE
WITH cfg AS (
    SELECT
        coalesce(max(value) FILTER (name = 'behind_margin'), 0) AS margin,
        coalesce(max(value) FILTER (name = 'attention_min_recruits'), 0) AS min_recruits,
        max(value) FILTER (name = 'target.return_rate_max') AS return_max,
        max(value) FILTER (name = 'target.physical_pass_rate') AS physical_target,
        max(value) FILTER (name = 'target.political_pass_rate') AS political_target,
        max(value) FILTER (name = 'target.placement_rate') AS placement_target,
        max(value) FILTER (name = 'target.subsidy_on_time_rate') AS subsidy_target
    FROM settings
),
sc AS (
    SELECT sc.*,
           strptime(sc.year || '-' || w.start_md, '%Y-%m-%d')::DATE AS season_start,
           strptime(sc.year || '-' || w.end_md, '%Y-%m-%d')::DATE AS season_end
    FROM scores_at(as_of, y, s) sc
    LEFT JOIN season_calendar w ON w.season = sc.season
),
judged AS (
    SELECT
        sc.* REPLACE (
            CASE WHEN approved > 0 THEN projected_completion END AS projected_completion,
            CASE WHEN quota > 0 AND approved > 0 THEN composite_score END AS composite_score,
            round(quota_completion, 3) - round(elapsed_share, 3) AS pace_gap,
            round(quota_completion, 3) - round(quota_completion - quota_completion_change, 3) AS quota_completion_change
        ),
        cfg.margin AS behind_margin,
        cfg.min_recruits AS attention_min_recruits,
        cfg.return_max AS return_rate_max,
        cfg.physical_target, cfg.political_target, cfg.placement_target, cfg.subsidy_target,
        elapsed_share >= 1 AS season_ended,
        CASE WHEN quota > 0 THEN elapsed_share END AS completion_target,
        greatest(quota - (approved - returned), 0) AS still_needed,
        greatest(season_end - CAST(as_of AS DATE), 0) AS days_left,
        -- 达标 of each rate with a target; NULL when there is nothing to judge.
        round(quota_completion, 3) >= round(elapsed_share, 3) AS completion_met,
        CASE WHEN approved >= greatest(cfg.min_recruits, 1) THEN round(college_ratio, 3) >= round(college_target, 3) END AS college_met,
        CASE WHEN approved >= greatest(cfg.min_recruits, 1) THEN round(graduate_ratio, 3) >= round(graduate_target, 3) END AS graduate_met,
        CASE WHEN college_approved >= greatest(cfg.min_recruits, 1) THEN round(stem_ratio, 3) >= round(stem_target, 3) END AS stem_met,
        CASE WHEN approved >= greatest(cfg.min_recruits, 1) THEN round(return_rate, 3) < round(cfg.return_max, 3) END AS return_met,
        round(physical_pass_rate, 3) >= round(cfg.physical_target, 3) AS physical_met,
        round(political_pass_rate, 3) >= round(cfg.political_target, 3) AS political_met,
        round(placement_rate, 3) >= round(cfg.placement_target, 3) AS placement_met,
        round(subsidy_on_time_rate, 3) >= round(cfg.subsidy_target, 3) AS subsidy_met,
        -- Applicants but no approval past half the season: named under 进度
        -- even without a quota to measure completion against.
        applied > 0 AND approved = 0 AND elapsed_share >= 0.5 AS no_approvals_late
    FROM sc, cfg
),
attention AS (
    SELECT
        judged.*,
        coalesce(quota > 0 AND pace_gap < -behind_margin - 1e-9, false) AS behind,
        -- 需关注 · 进度: behind time by more than the margin, or nothing
        -- approved late in the season; severity is the shortfall against time.
        CASE WHEN quota > 0 AND pace_gap < -behind_margin - 1e-9 THEN -pace_gap
             WHEN no_approvals_late THEN round(elapsed_share, 3) END AS pace_severity,
        -- 需关注 · 质量: the largest shortfall of a judged recruit ratio.
        nullif(greatest(
            CASE WHEN NOT college_met THEN round(college_target, 3) - round(college_ratio, 3) ELSE 0 END,
            CASE WHEN NOT graduate_met THEN round(graduate_target, 3) - round(graduate_ratio, 3) ELSE 0 END,
            CASE WHEN NOT stem_met THEN round(stem_target, 3) - round(stem_ratio, 3) ELSE 0 END,
            CASE WHEN NOT return_met THEN round(return_rate, 3) - round(return_rate_max, 3) + 0.001 ELSE 0 END
        ), 0) AS quality_severity
    FROM judged
)
SELECT
    attention.* REPLACE (
        -- Ranks among sibling regions that have the figure; equal printed
        -- figures share a rank (1, 2, 2, 4); no figure, no rank.
        CASE WHEN quota_completion IS NOT NULL THEN rank() OVER (
            PARTITION BY parent_code, year, season, quota_completion IS NULL
            ORDER BY round(quota_completion, 3) DESC) END AS completion_rank,
        CASE WHEN composite_score IS NOT NULL THEN rank() OVER (
            PARTITION BY parent_code, year, season, composite_score IS NULL
            ORDER BY round(composite_score, 1) DESC) END AS composite_rank
    )
FROM attention;

-- bulletin: the weekly bulletin's verdicts, ranks and printed differences
-- for every region, as of the session variables as_of, year and season,
-- all three set (as for the metrics view, whose figures it judges: join on
-- region_code, year, season).
CREATE OR REPLACE VIEW bulletin AS
SELECT region_code, region_name, level, parent_code, year, season,
       season_start, season_end, season_ended, days_left, still_needed,
       completion_target, completion_met, pace_gap, quota_completion_change, behind, no_approvals_late,
       pace_severity, college_met, graduate_met, stem_met, return_met, quality_severity,
       physical_met, political_met, placement_met, subsidy_met,
       projected_completion, composite_score, completion_rank, composite_rank,
       behind_margin, attention_min_recruits
FROM bulletin_at(
    coalesce(try_cast(getvariable('as_of') AS DATE),
             error('bulletin: set the variable as_of to a date (SET VARIABLE as_of = DATE ''2025-03-05'')')),
    coalesce(try_cast(getvariable('year') AS INTEGER),
             error('bulletin: set the variable year (SET VARIABLE year = 2025)')),
    coalesce(CASE WHEN try_cast(getvariable('season') AS INTEGER) IN (1, 2) THEN try_cast(getvariable('season') AS INTEGER) END,
             error('bulletin: set the variable season to 1 or 2 (SET VARIABLE season = 1)')));
COMMENT ON VIEW bulletin IS '周通报: the weekly bulletin''s verdicts (达标, 需关注), ranks and printed differences by region, as of getvariable(''as_of''); the figures are the metrics view''s';
COMMENT ON COLUMN bulletin.region_code IS '区划代码';
COMMENT ON COLUMN bulletin.region_name IS '单位';
COMMENT ON COLUMN bulletin.level IS '层级: 1 province … 5 village';
COMMENT ON COLUMN bulletin.parent_code IS '上级区划代码';
COMMENT ON COLUMN bulletin.year IS '年度';
COMMENT ON COLUMN bulletin.season IS '批次: 1 上半年, 2 下半年';
COMMENT ON COLUMN bulletin.behind_margin IS 'behind_margin (enlist.yaml): how far behind time progress a region may be before it is named under 需关注';
COMMENT ON COLUMN bulletin.attention_min_recruits IS 'bulletin.attention_min_recruits (enlist.yaml): fewest recruits a ratio is judged on';
COMMENT ON COLUMN bulletin.projected_completion IS '预计完成率 = quota_completion / elapsed_share; NULL before the first approval';
COMMENT ON COLUMN bulletin.composite_score IS '五率总评得分; NULL for a region without quota or approvals';
COMMENT ON COLUMN bulletin.composite_rank IS '总评排名 among sibling regions with a score; equal scores (one decimal) share a rank';
COMMENT ON COLUMN bulletin.completion_rank IS '完成率排名 among sibling regions with a quota; equal printed rates share a rank';
COMMENT ON COLUMN bulletin.pace_gap IS '进度差 in percentage points (个百分点): printed completion − printed time progress';
COMMENT ON COLUMN bulletin.quota_completion_change IS '较上周 in percentage points: printed completion now − printed completion 7 days earlier';
COMMENT ON COLUMN bulletin.season_start IS '本季开始日期 (season_calendar)';
COMMENT ON COLUMN bulletin.season_end IS '本季截止日期 (season_calendar)';
COMMENT ON COLUMN bulletin.season_ended IS 'the season''s window has ended at as-of';
COMMENT ON COLUMN bulletin.completion_target IS '任务完成率目标: the time progress (100% once the season has ended); NULL without a quota';
COMMENT ON COLUMN bulletin.still_needed IS '尚差: recruits still needed to meet the quota';
COMMENT ON COLUMN bulletin.days_left IS '距截止天数: days from as-of to the season''s end';
COMMENT ON COLUMN bulletin.completion_met IS '达标: printed completion ≥ printed time progress';
COMMENT ON COLUMN bulletin.college_met IS '达标: college_ratio ≥ college_target; NULL under attention_min_recruits approvals';
COMMENT ON COLUMN bulletin.graduate_met IS '达标: graduate_ratio ≥ graduate_target; NULL under attention_min_recruits approvals';
COMMENT ON COLUMN bulletin.stem_met IS '达标: stem_ratio ≥ stem_target; NULL under attention_min_recruits college recruits';
COMMENT ON COLUMN bulletin.return_met IS '达标: return_rate < target.return_rate_max; NULL under attention_min_recruits approvals';
COMMENT ON COLUMN bulletin.physical_met IS '达标: physical_pass_rate ≥ target.physical_pass_rate';
COMMENT ON COLUMN bulletin.political_met IS '达标: political_pass_rate ≥ target.political_pass_rate';
COMMENT ON COLUMN bulletin.placement_met IS '达标: placement_rate ≥ target.placement_rate';
COMMENT ON COLUMN bulletin.subsidy_met IS '达标: subsidy_on_time_rate ≥ target.subsidy_on_time_rate';
COMMENT ON COLUMN bulletin.no_approvals_late IS 'applicants but no approval with half the season gone';
COMMENT ON COLUMN bulletin.behind IS '落后: completion behind time progress by more than behind_margin';
COMMENT ON COLUMN bulletin.pace_severity IS '需关注·进度: how far behind time (ratio); NULL when not named';
COMMENT ON COLUMN bulletin.quality_severity IS '需关注·质量: the largest shortfall of a judged recruit ratio (ratio); NULL when not named';
