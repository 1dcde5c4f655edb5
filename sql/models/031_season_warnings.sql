-- model_parts.season_rows_seen(y, s): for each season (NULL y and s: every
-- season), a digest of the rows the warnings between files of that season
-- are computed from (model_parts.season_flags_of parts 2 to 4): the number
-- and a hash of the registrations, exams and approvals, over the columns
-- those warnings read. The season's kept warnings (season_warnings) are
-- its warnings while the digest is the one recorded with them
-- (season_warnings_state) and the models are too: any row added, removed
-- or changed changes it. Hashing, not a count of rows and loads, so that
-- nothing relies on rows never being changed in place (10,000,000
-- registrations: 0.1-0.2 s a season, against 0.9 s for the warnings).
CREATE OR REPLACE MACRO model_parts.season_rows_seen(y, s) AS TABLE
SELECT year, season,
       string_agg(what || ':' || n || ':' || h, ' ' ORDER BY what) AS rows_seen
FROM (
    SELECT 'registrations' AS what, year, season, count(*) AS n,
           sum(hash(person, region_code, registered_on, load_id, source_row)::HUGEINT) AS h
    FROM registrations
    WHERE (y IS NULL OR year = y) AND (s IS NULL OR season = s)
    GROUP BY year, season
    UNION ALL
    SELECT 'exams', year, season, count(*),
           sum(hash(person, exam_type, exam_date, passed, load_id, source_row)::HUGEINT)
    FROM exams
    WHERE (y IS NULL OR year = y) AND (s IS NULL OR season = s)
    GROUP BY year, season
    UNION ALL
    SELECT 'approvals', year, season, count(*),
           sum(hash(person, load_id, source_row)::HUGEINT)
    FROM approvals
    WHERE (y IS NULL OR year = y) AND (s IS NULL OR season = s)
    GROUP BY year, season)
GROUP BY year, season;
COMMENT ON MACRO TABLE model_parts.season_rows_seen IS '跨文件警示的依据: a digest of each season''s registrations, exams and approvals over the columns the warnings between files read (season_warnings_state)';
