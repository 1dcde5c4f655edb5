-- The session variables the views over the *_at models read (as_of, year,
-- season), checked in one place. A view passes its own name for the
-- message; each value checks the variables before it too, so the first
-- unset one is named whichever argument DuckDB happens to evaluate first.
-- They live in model_parts with the other pieces the models share.
CREATE SCHEMA IF NOT EXISTS model_parts;
CREATE OR REPLACE MACRO model_parts.var_as_of(view_name) AS
    coalesce(try_cast(getvariable('as_of') AS DATE),
             error(view_name || ': set the variable as_of to a date (SET VARIABLE as_of = DATE ''2025-03-05'')'));
CREATE OR REPLACE MACRO model_parts.var_year(view_name) AS
    CASE WHEN try_cast(getvariable('as_of') AS DATE) IS NULL THEN error(view_name || ': set the variable as_of to a date (SET VARIABLE as_of = DATE ''2025-03-05'')')
         ELSE coalesce(try_cast(getvariable('year') AS INTEGER), error(view_name || ': set the variable year (SET VARIABLE year = 2025)')) END;
CREATE OR REPLACE MACRO model_parts.var_season(view_name) AS
    CASE WHEN try_cast(getvariable('as_of') AS DATE) IS NULL THEN error(view_name || ': set the variable as_of to a date (SET VARIABLE as_of = DATE ''2025-03-05'')')
         WHEN try_cast(getvariable('year') AS INTEGER) IS NULL THEN error(view_name || ': set the variable year (SET VARIABLE year = 2025)')
         WHEN try_cast(getvariable('season') AS INTEGER) IN (1, 2) THEN try_cast(getvariable('season') AS INTEGER)
         ELSE error(view_name || ': set the variable season to 1 or 2 (SET VARIABLE season = 1)') END;
