-- school_ranking_at(scope, as_of, y, s): the universities that sit in a
-- region (a province, city or county: their county lies within it), ranked
-- as the bulletin ranks them: by approved (定兵数, most first) and by applied
-- per thousand students (每千名在校生报名, highest first; only those with a
-- student count take a rank). Equal figures share a rank (1, 1, 3).
--
-- model_parts.school_ranking_of(scope, t) ranks the rows of t, a table or
-- CTE of school_metrics_at's rows: a bulletin reads the universities'
-- figures once and ranks and totals them (school_totals_of) from that one
-- reading. Macros over a table their caller names live in the schema
-- model_parts, apart from main: what lists main's macros describes each
-- by binding it with NULL arguments (the data dictionary, the scoped
-- copies' wrapping), and a table name cannot be NULL.
CREATE SCHEMA IF NOT EXISTS model_parts;
CREATE OR REPLACE MACRO model_parts.school_ranking_of(scope, t) AS TABLE
SELECT
    m.*,
    rank() OVER (PARTITION BY m.year, m.season ORDER BY m.approved DESC) AS approved_rank,
    CASE WHEN m.applied_per_thousand IS NOT NULL THEN
        rank() OVER (PARTITION BY m.year, m.season, m.applied_per_thousand IS NOT NULL
                     ORDER BY m.applied_per_thousand DESC) END AS applied_rate_rank
FROM query_table(t) m
WHERE starts_with(m.located_code, scope);
CREATE OR REPLACE MACRO school_ranking_at(scope, as_of, y, s) AS TABLE
WITH school_rows AS (SELECT * FROM school_metrics_at(as_of, y, s))
SELECT * FROM model_parts.school_ranking_of(scope, school_rows);
COMMENT ON MACRO TABLE model_parts.school_ranking_of IS '高校排名 (给定高校指标): school_ranking_at over rows of school_metrics_at already read (a table or CTE name)';
COMMENT ON MACRO TABLE school_ranking_at IS '高校排名 (按日期): the universities within a region with their figures, ranked by approved and by applied per thousand students';
