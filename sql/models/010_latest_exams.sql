-- latest_exams: the result that counts for each person, exam type and season.
-- A re-examination replaces an earlier result (SPEC §7 "latest result per
-- person"); ties on the same day go to the later load, then the later row.
--
-- model_parts.latest_exams_of(t) is the same over t, a table or CTE of exam
-- rows holding every row of the people it holds: unqualified_approvals
-- (022) gives it only the approved people's results.
CREATE OR REPLACE MACRO model_parts.latest_exams_of(t) AS TABLE
SELECT
    person,
    exam_type,
    year,
    season,
    max(exam_date) AS exam_date,
    arg_max(passed, (exam_date, load_id, source_row)) AS passed,
    arg_max(reason, (exam_date, load_id, source_row)) AS reason,
    count(*) AS attempts
FROM query_table(t)
GROUP BY person, exam_type, year, season;
CREATE OR REPLACE VIEW latest_exams AS
SELECT * FROM model_parts.latest_exams_of(exams);
COMMENT ON MACRO TABLE model_parts.latest_exams_of IS '最新考核结果 (给定考核记录): latest_exams over the exam rows of a table or CTE';
COMMENT ON VIEW latest_exams IS '最新考核结果: one row per person, exam type, year and season';
COMMENT ON COLUMN latest_exams.person IS '人员代号';
COMMENT ON COLUMN latest_exams.exam_type IS '考核类型: physical, political, pretraining';
COMMENT ON COLUMN latest_exams.year IS '年度';
COMMENT ON COLUMN latest_exams.season IS '批次';
COMMENT ON COLUMN latest_exams.exam_date IS '最近检查日期';
COMMENT ON COLUMN latest_exams.passed IS '最新结论: true 合格';
COMMENT ON COLUMN latest_exams.reason IS '最新不合格原因';
COMMENT ON COLUMN latest_exams.attempts IS '检查次数 (re-examinations included)';
