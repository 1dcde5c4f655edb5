-- scores_at(as_of, y, s): metrics_at plus what the weekly bulletin judges by —
-- time progress through the season, projected completion, the change of
-- every count and rate since a week earlier, and the composite score (五率总评)
-- with its rank among sibling regions. Weights, targets and season windows
-- come from the settings and season_calendar tables (enlist.yaml).
CREATE OR REPLACE MACRO scores_at(as_of, y, s) AS TABLE
WITH cfg AS (
    SELECT
        max(value) FILTER (name = 'weight.completion') AS w_completion,
        max(value) FILTER (name = 'weight.college_ratio') AS w_college,
        max(value) FILTER (name = 'weight.graduate_ratio') AS w_graduate,
        max(value) FILTER (name = 'weight.stem_ratio') AS w_stem,
        max(value) FILTER (name = 'weight.return_rate') AS w_return,
        max(value) FILTER (name = 'target.stem_ratio') AS stem_target,
        max(value) FILTER (name = 'target.return_rate_max') AS return_max
    FROM settings
),
pair AS MATERIALIZED (
    SELECT * FROM metrics_pair_at(as_of, CAST(as_of AS DATE) - 7, y, s)
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
        cfg.*
    FROM paced, cfg
),
composite AS (
    SELECT
        scored.* EXCLUDE (w_completion, w_college, w_graduate, w_stem, w_return, return_max),
        (w_completion * completion_score + w_college * coalesce(college_score, 0) + w_graduate * coalesce(graduate_score, 0)
         + w_stem * coalesce(stem_score, 0) + w_return * return_score)
        / (w_completion + w_college + w_graduate + w_stem + w_return) AS composite_score
    FROM scored
)
SELECT
    c.*,
    -- Equal scores share a rank (1, 2, 2, 4), whatever order rows come in.
    -- A season without data has no score and no rank.
    CASE WHEN c.has_data THEN rank() OVER (PARTITION BY c.parent_code, c.year, c.season ORDER BY round(c.composite_score, 6) DESC) END AS composite_rank,
    CASE WHEN c.has_data THEN rank() OVER (PARTITION BY c.parent_code, c.year, c.season ORDER BY round(coalesce(c.quota_completion, -1), 6) DESC) END AS completion_rank,
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
    c.subsidy_on_time_rate - p.subsidy_on_time_rate AS subsidy_on_time_rate_change
FROM composite c
LEFT JOIN p USING (region_code, year, season);
COMMENT ON MACRO TABLE scores_at IS '征兵工作指标 (含进度与评分): metrics_at plus time progress, projected completion, the change of every count and rate since a week earlier, the five-rate composite score and ranks — the metrics view for any date, year and season';
