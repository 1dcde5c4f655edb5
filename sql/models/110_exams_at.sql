-- exams_at(as_of): the result that counts for each person, exam type and
-- season as of a date: the latest examination on or before it (SPEC §7), so
-- a re-examination that turns a fail into a pass counts from its own date.
CREATE OR REPLACE MACRO exams_at(as_of) AS TABLE
SELECT
    person,
    exam_type,
    year,
    season,
    max_by(struct_pack(passed, reason), (exam_date, load_id, source_row)) AS latest
FROM exams
WHERE exam_date <= as_of
GROUP BY person, exam_type, year, season;
