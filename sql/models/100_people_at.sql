-- people_at(as_of): who is registered in each year and season as of a date,
-- one row per person. A person registered more than once in a season (two
-- regions, or re-delivered by incremental loads) counts once, in the region
-- of the latest registration; every metric builds on this so no one is
-- counted twice up the region tree.
CREATE OR REPLACE MACRO people_at(as_of) AS TABLE
SELECT
    person,
    year,
    season,
    max_by(struct_pack(region_code, education, student_status, major_category),
           (registered_on, load_id, source_row)) AS latest,
    bool_or(coalesce(applied, false)) AS applied
FROM registrations
WHERE registered_on <= as_of
GROUP BY person, year, season;
