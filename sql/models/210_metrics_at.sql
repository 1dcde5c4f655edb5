-- metrics_at(as_of, y, s): everything the metrics view shows, for any date,
-- year and season (the metrics view is metrics_at of its session
-- variables): counts_at (200) plus time progress through the season,
-- projected completion, the change of every count and rate since a week
-- earlier, the composite score (五率总评), the ranks among sibling regions,
-- and the weekly bulletin's judgements (SPEC §8), the one home of its rules:
-- every sheet of the workbook and the page read these columns, so an
-- analyst sees the verdicts the bulletin prints. Weights, targets and
-- season windows come from the settings and season_calendar tables
-- (enlist.yaml).
--
-- Rounding: a figure prints as a percentage with one decimal, rounded half
-- away from zero (DuckDB's round of a DOUBLE, as LibreOffice and Excel
-- display 0.6625 as 66.3%). Verdicts and ranks compare the figures as
-- printed, so a reader never sees 3.8% against 3.8% called a shortfall, nor
-- two equal printed figures ranked apart; differences of two rates as the
-- bulletin prints them (*_printed: 进度差, 较上周) are differences of the
-- printed figures, in percentage points (个百分点) once multiplied by 100.
--
-- 达标 (*_met): at or above the target. Completion's target is the time
-- progress, which is 100% once the season's window has ended. The behind
-- margin (behind_margin) only decides who is named under 需关注, never 达标.
-- A ratio of recruits (大学生, 大学毕业生, 理工类比例, 退兵率) is judged only
-- on at least attention_min_recruits recruits in its denominator; below that
-- its verdict is NULL and the bulletin shows the count. A region with no
-- quota has no completion, no completion rank and no composite score; a
-- region with no approvals yet has no composite score and no printed
-- projection: NULL, printed as "—", never a zero, a score or a rank.
-- Ethnic minorities: minority_target (targets.minority_share) judges
-- minority_applied_share, 少数民族应征报名比例; with no target set there is no
-- verdict and no score, and with weights.minority_share (0 by default) the
-- score joins the composite. Indicators an office defines in enlist.yaml
-- (office_indicators_at, generated from it) add their office_* columns and,
-- with a weight, their scores to the composite the same way.
-- The former names (scores_at for this macro, bulletin_at and the bulletin
-- view for its judgements, metrics_pair_at for counts_pair_at) are dropped
-- from warehouses that had them, so no stale copy answers a query.
DROP VIEW IF EXISTS bulletin;
DROP MACRO TABLE IF EXISTS bulletin_at;
DROP MACRO TABLE IF EXISTS scores_at;
DROP MACRO TABLE IF EXISTS metrics_pair_at;
CREATE OR REPLACE MACRO model_parts.metrics_of(as_of, y, s, leaf_rows) AS TABLE
WITH cfg AS (
    SELECT
        max(value) FILTER (name = 'weight.completion') AS w_completion,
        max(value) FILTER (name = 'weight.college_ratio') AS w_college,
        max(value) FILTER (name = 'weight.graduate_ratio') AS w_graduate,
        max(value) FILTER (name = 'weight.stem_ratio') AS w_stem,
        max(value) FILTER (name = 'weight.return_rate') AS w_return,
        max(value) FILTER (name = 'target.stem_ratio') AS stem_target,
        max(value) FILTER (name = 'target.return_rate_max') AS return_max,
        coalesce(max(value) FILTER (name = 'behind_margin'), 0) AS margin,
        coalesce(max(value) FILTER (name = 'attention_min_recruits'), 0) AS min_recruits,
        max(value) FILTER (name = 'target.physical_pass_rate') AS physical_target,
        max(value) FILTER (name = 'target.political_pass_rate') AS political_target,
        max(value) FILTER (name = 'target.placement_rate') AS placement_target,
        max(value) FILTER (name = 'target.subsidy_on_time_rate') AS subsidy_target,
        max(value) FILTER (name = 'target.minority_share') AS minority_target,
        coalesce(max(value) FILTER (name = 'weight.minority_share'), 0) AS w_minority,
        coalesce(max(value) FILTER (name = 'weight.office_indicators'), 0) AS w_office
    FROM settings
),
pair AS MATERIALIZED (
    SELECT * FROM model_parts.counts_pair_of(as_of, CAST(as_of AS DATE) - 7, y, s, leaf_rows)
),
c AS (
    SELECT * EXCLUDE (t) FROM pair WHERE t = 'cur'
),
p AS (
    SELECT * EXCLUDE (t) FROM pair WHERE t = 'prev'
),
windows AS (
    SELECT season,
           start_md,
           end_md
    FROM season_calendar
),
paced AS (
    SELECT
        c.*,
        strptime(c.year || '-' || w.start_md, '%Y-%m-%d')::DATE AS season_start,
        strptime(c.year || '-' || w.end_md, '%Y-%m-%d')::DATE AS season_end,
        greatest(0.0, least(1.0,
            (CAST(as_of AS DATE) - strptime(c.year || '-' || w.start_md, '%Y-%m-%d')::DATE + 1)
            / (strptime(c.year || '-' || w.end_md, '%Y-%m-%d')::DATE - strptime(c.year || '-' || w.start_md, '%Y-%m-%d')::DATE + 1))) AS elapsed_share
    FROM c
    LEFT JOIN windows w ON w.season = c.season
),
scored AS (
    SELECT
        paced.*,
        quota_completion - elapsed_share AS pace_gap,
        CASE WHEN elapsed_share > 0 THEN quota_completion / elapsed_share END AS projected_completion,
        CASE WHEN has_data THEN 100 * least(coalesce(quota_completion, 0), 1.0) END AS completion_score,
        CASE WHEN has_data THEN 100 * least(coalesce(college_ratio, 0) / nullif(college_target, 0), 1.0) END AS college_score,
        CASE WHEN has_data THEN 100 * least(coalesce(graduate_ratio, 0) / nullif(graduate_target, 0), 1.0) END AS graduate_score,
        CASE WHEN has_data THEN 100 * least(coalesce(stem_ratio, 0) / nullif(cfg.stem_target, 0), 1.0) END AS stem_score,
        CASE WHEN has_data THEN 100 * greatest(0.0, 1 - coalesce(return_rate, 0) / cfg.return_max) END AS return_score,
        CASE WHEN has_data AND cfg.minority_target > 0
             THEN 100 * least(coalesce(minority_applied_share, 0) / cfg.minority_target, 1.0) END AS minority_score,
        cfg.*,
        oi.* EXCLUDE (region_code, year, season)
    FROM paced
    CROSS JOIN cfg
    LEFT JOIN office_indicators_at(as_of, y, s) oi USING (region_code, year, season)
),
composite AS (
    SELECT
        scored.* EXCLUDE (w_completion, w_college, w_graduate, w_stem, w_return, return_max, margin, min_recruits,
                          physical_target, political_target, placement_target, subsidy_target,
                          minority_target, w_minority, w_office, office_weighted_score),
        -- No score without a quota to complete or a recruit to judge.
        CASE WHEN quota > 0 AND approved > 0 THEN
        (w_completion * completion_score + w_college * coalesce(college_score, 0) + w_graduate * coalesce(graduate_score, 0)
         + w_stem * coalesce(stem_score, 0) + w_return * return_score
         + w_minority * coalesce(minority_score, 0) + coalesce(office_weighted_score, 0))
        / (w_completion + w_college + w_graduate + w_stem + w_return + w_minority + w_office) END AS composite_score
    FROM scored
),
changed AS (
    SELECT
    c.*,
    c.quota - p.quota AS quota_change,
    c.registered - p.registered AS registered_change,
    c.applied - p.applied AS applied_change,
    c.physical_examined - p.physical_examined AS physical_examined_change,
    c.physical_passed - p.physical_passed AS physical_passed_change,
    c.political_reviewed - p.political_reviewed AS political_reviewed_change,
    c.political_passed - p.political_passed AS political_passed_change,
    c.double_qualified - p.double_qualified AS double_qualified_change,
    c.approved - p.approved AS approved_change,
    c.returned - p.returned AS returned_change,
    c.responsible_returned - p.responsible_returned AS responsible_returned_change,
    c.college_approved - p.college_approved AS college_approved_change,
    c.graduate_approved - p.graduate_approved AS graduate_approved_change,
    c.stem_approved - p.stem_approved AS stem_approved_change,
    c.placement_due - p.placement_due AS placement_due_change,
    c.placed - p.placed AS placed_change,
    c.self_employed - p.self_employed AS self_employed_change,
    c.subsidy_due - p.subsidy_due AS subsidy_due_change,
    c.subsidy_on_time - p.subsidy_on_time AS subsidy_on_time_change,
    c.applied_to_quota - p.applied_to_quota AS applied_to_quota_change,
    c.physical_pass_rate - p.physical_pass_rate AS physical_pass_rate_change,
    c.political_pass_rate - p.political_pass_rate AS political_pass_rate_change,
    c.quota_completion - p.quota_completion AS quota_completion_change,
    c.college_ratio - p.college_ratio AS college_ratio_change,
    c.graduate_ratio - p.graduate_ratio AS graduate_ratio_change,
    c.stem_ratio - p.stem_ratio AS stem_ratio_change,
    c.return_rate - p.return_rate AS return_rate_change,
    c.placement_rate - p.placement_rate AS placement_rate_change,
    c.subsidy_on_time_rate - p.subsidy_on_time_rate AS subsidy_on_time_rate_change,
    c.female_quota - p.female_quota AS female_quota_change,
    c.female_registered - p.female_registered AS female_registered_change,
    c.female_applied - p.female_applied AS female_applied_change,
    c.female_double_qualified - p.female_double_qualified AS female_double_qualified_change,
    c.female_approved - p.female_approved AS female_approved_change,
    c.female_returned - p.female_returned AS female_returned_change,
    c.female_counted - p.female_counted AS female_counted_change,
    c.female_quota_completion - p.female_quota_completion AS female_quota_completion_change,
    c.minority_registered - p.minority_registered AS minority_registered_change,
    c.minority_applied - p.minority_applied AS minority_applied_change,
    c.minority_approved - p.minority_approved AS minority_approved_change,
    c.minority_registered_share - p.minority_registered_share AS minority_registered_share_change,
    c.minority_applied_share - p.minority_applied_share AS minority_applied_share_change,
    c.minority_approved_share - p.minority_approved_share AS minority_approved_share_change
FROM composite c
LEFT JOIN p USING (region_code, year, season)
),
judged AS (
    SELECT
        changed.*,
        -- The bulletin's printed differences and projection.
        round(quota_completion, 3) - round(elapsed_share, 3) AS pace_gap_printed,
        round(quota_completion, 3) - round(quota_completion - quota_completion_change, 3) AS quota_completion_change_printed,
        CASE WHEN approved > 0 THEN projected_completion END AS projected_completion_printed,
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
        CASE WHEN college_approved >= greatest(cfg.min_recruits, 1) THEN round(stem_ratio, 3) >= round(changed.stem_target, 3) END AS stem_met,
        CASE WHEN approved >= greatest(cfg.min_recruits, 1) THEN round(return_rate, 3) < round(cfg.return_max, 3) END AS return_met,
        round(physical_pass_rate, 3) >= round(cfg.physical_target, 3) AS physical_met,
        round(political_pass_rate, 3) >= round(cfg.political_target, 3) AS political_met,
        round(placement_rate, 3) >= round(cfg.placement_target, 3) AS placement_met,
        round(subsidy_on_time_rate, 3) >= round(cfg.subsidy_target, 3) AS subsidy_met,
        cfg.minority_target,
        -- No target set, no verdict (and no colour).
        round(minority_applied_share, 3) >= round(cfg.minority_target, 3) AS minority_met,
        -- The women's track against its own quota and the time progress.
        CASE WHEN female_quota > 0 THEN round(female_quota_completion, 3) >= round(elapsed_share, 3) END AS female_completion_met,
        -- Applicants but no approval past half the season: named under 进度
        -- even without a quota to measure completion against.
        applied > 0 AND approved = 0 AND elapsed_share >= 0.5 AS no_approvals_late,
        -- A recruit ratio is judged on at least this many recruits; fewer
        -- (but some) and the bulletin shows the count instead.
        approved > 0 AND approved < cfg.min_recruits AS few_recruits
    FROM changed, cfg
),
attention AS (
    SELECT
        judged.*,
        coalesce(quota > 0 AND pace_gap_printed < -behind_margin - 1e-9, false) AS behind,
        -- 需关注 · 进度: behind time by more than the margin, or nothing
        -- approved late in the season; severity is the shortfall against time.
        CASE WHEN quota > 0 AND pace_gap_printed < -behind_margin - 1e-9 THEN -pace_gap_printed
             WHEN no_approvals_late THEN round(elapsed_share, 3) END AS pace_severity,
        -- 需关注 · 质量: the largest shortfall of a judged recruit ratio.
        nullif(greatest(
            CASE WHEN NOT college_met THEN round(college_target, 3) - round(college_ratio, 3) ELSE 0 END,
            CASE WHEN NOT graduate_met THEN round(graduate_target, 3) - round(graduate_ratio, 3) ELSE 0 END,
            CASE WHEN NOT stem_met THEN round(stem_target, 3) - round(stem_ratio, 3) ELSE 0 END,
            CASE WHEN NOT return_met THEN round(return_rate, 3) - round(return_rate_max, 3) + 0.001 ELSE 0 END
        ), 0) AS quality_severity
    FROM judged
),
-- Ranks among sibling regions that have the figure; equal printed figures
-- share a rank (1, 2, 2, 4), whatever order rows come in; no figure (no
-- quota, no score, a season without data), no rank. They are worked out
-- over the few columns they read and joined back: a window over the whole
-- row (some 150 columns) cost 0.1 s of CPU for 2,786 rows, a sixth of a
-- province's figures at 1,000,000 registrations.
ranks AS (
    SELECT
        region_code, year, season,
        CASE WHEN quota_completion IS NOT NULL THEN rank() OVER (
            PARTITION BY parent_code, year, season, quota_completion IS NULL
            ORDER BY round(quota_completion, 3) DESC) END AS completion_rank,
        CASE WHEN composite_score IS NOT NULL THEN rank() OVER (
            PARTITION BY parent_code, year, season, composite_score IS NULL
            ORDER BY round(composite_score, 1) DESC) END AS composite_rank
    FROM (SELECT region_code, parent_code, year, season, quota_completion, composite_score FROM attention)
)
SELECT attention.*, ranks.completion_rank, ranks.composite_rank
FROM attention
JOIN ranks USING (region_code, year, season);
-- model_parts.metrics_of(as_of, y, s, leaf_rows) is metrics_at from the
-- rows of model_parts.leaf_counts_at(as_of, as_of - 7, y, s) already read
-- (a table or CTE name): the bulletin's one reading of the people (200).
CREATE OR REPLACE MACRO metrics_at(as_of, y, s) AS TABLE
WITH leaf_rows AS (SELECT * FROM model_parts.leaf_counts_at(as_of, CAST(as_of AS DATE) - 7, y, s))
SELECT * FROM model_parts.metrics_of(as_of, y, s, leaf_rows);
COMMENT ON MACRO TABLE model_parts.metrics_of IS '征兵工作指标 (给定人员计数): metrics_at over rows of leaf_counts_at(as_of, as_of - 7, y, s) already read (a table or CTE name)';
COMMENT ON MACRO TABLE metrics_at IS '征兵工作指标: the metrics view for any date, year and season — every SPEC §7 count and rate (counts_at), time progress, projected completion, the change since a week earlier, the five-rate composite score, ranks and the weekly bulletin''s verdicts (达标, 需关注)';
