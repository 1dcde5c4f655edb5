-- person_facts_at(as_of, y, s): one row per registered person and season as
-- of a date — where the person stands and everything the metrics count
-- about them, readable: codes with their labels, dates and reasons. Only
-- the pseudonymous key identifies a person.
--
-- The rules are the metrics' (person_flags_at, 100), so counting these rows
-- gives the metrics' figures: the person counts in the region of the latest
-- registration on or before as_of (registration date, then load, then row),
-- with that registration's education, student status, major and school;
-- applied if any registration by then says so. Exams: the latest result of
-- each type on or before as_of (exam date, then load, then row), with its
-- date and reason. Approval: the latest delivered record of the season,
-- shown when approved_on ≤ as_of; its handover and return only when they,
-- too, fall on or before as_of. People with no registration by as_of
-- (orphans) are not here; see integrity_people_at.
-- y and s pick a year and season (NULL for all).
--
-- model_parts.person_facts_of(as_of, y, s, regs, exs, aps) is the facts
-- before their labels, from the rows of regs, exs and aps (the
-- registrations, exams and approvals, or a part of them holding every row
-- of the people it holds). The universities' figures (school_metrics_at,
-- 560) count by the same rules from person_flags_at's student_school.
CREATE OR REPLACE MACRO model_parts.person_facts_of(as_of, y, s, regs, exs, aps) AS TABLE
WITH reg_rows AS (
    SELECT person, year, season, region_code, gender, birth_year, education, student_status, major_category,
           school, ethnicity, registered_on, applied,
           registration_key(registered_on, load_id, source_row) AS k
    FROM query_table(regs)
    WHERE registered_on <= CAST(as_of AS DATE)
      AND (y IS NULL OR year = y) AND (s IS NULL OR season = s)
),
-- The latest registration is the largest key, joined back for its row:
-- an arg_max of the row per person kept every person's strings in the
-- aggregate's state, which DuckDB cannot spill, and ran out of the
-- default 1 GB at 10,000,000 registrations; a max of one number spills
-- and joins back in 2.3 s there.
latest AS (
    SELECT person, year, season,
           max(k) AS k,
           min(registered_on) AS first_registered_on,
           count(*) AS registrations,
           bool_or(coalesce(applied, false)) AS applied
    FROM reg_rows
    GROUP BY person, year, season
),
reg AS (
    SELECT l.person, l.year, l.season, l.first_registered_on, l.registrations, l.applied,
           r.region_code, r.gender, r.birth_year, r.education, r.student_status, r.major_category,
           r.school, r.ethnicity, r.registered_on
    FROM latest l
    JOIN reg_rows r ON r.k = l.k
),
ex AS (
    SELECT person, year, season,
           arg_max(struct_pack(exam_date, passed, reason), (exam_date, load_id, source_row))
               FILTER (exam_type = 'physical') AS phy,
           arg_max(struct_pack(exam_date, passed, reason), (exam_date, load_id, source_row))
               FILTER (exam_type = 'political') AS pol
    FROM query_table(exs)
    WHERE exam_date <= CAST(as_of AS DATE) AND exam_type IN ('physical', 'political')
      AND (y IS NULL OR year = y) AND (s IS NULL OR season = s)
    GROUP BY person, year, season
),
ap AS (
    SELECT person, year, season,
           arg_max(struct_pack(approved_on, branch, handover_on, returned_on, return_reason, return_responsible),
                   (load_id, source_row)) AS a
    FROM query_table(aps)
    WHERE (y IS NULL OR year = y) AND (s IS NULL OR season = s)
    GROUP BY person, year, season
),
facts AS (
    SELECT
        reg.person, reg.year, reg.season, CAST(as_of AS DATE) AS as_of_date,
        reg.region_code AS region_code,
        reg.gender AS gender,
        reg.birth_year AS birth_year,
        reg.year - reg.birth_year AS age,
        reg.education AS education,
        is_college(reg.education) AS college,
        reg.student_status AS student_status,
        is_college(reg.education)
            AND coalesce(reg.student_status IN ('fresh_graduate', 'past_graduate'), false) AS graduate,
        reg.major_category AS major_category,
        is_college(reg.education) AND coalesce(reg.major_category = 'stem', false) AS stem,
        reg.school AS school,
        reg.ethnicity AS ethnicity,
        reg.registered_on AS registered_on,
        reg.first_registered_on,
        reg.registrations,
        reg.applied,
        ex.phy IS NOT NULL AS physical_examined,
        coalesce(ex.phy.passed, false) AS physical_passed,
        ex.phy.exam_date AS physical_date,
        CASE WHEN NOT ex.phy.passed THEN ex.phy.reason END AS physical_reason,
        ex.pol IS NOT NULL AS political_reviewed,
        coalesce(ex.pol.passed, false) AS political_passed,
        ex.pol.exam_date AS political_date,
        CASE WHEN NOT ex.pol.passed THEN ex.pol.reason END AS political_reason,
        coalesce(ex.phy.passed AND ex.pol.passed, false) AS double_qualified,
        coalesce(ap.a.approved_on <= CAST(as_of AS DATE), false) AS approved,
        CASE WHEN ap.a.approved_on <= CAST(as_of AS DATE) THEN ap.a.approved_on END AS approved_on,
        CASE WHEN ap.a.approved_on <= CAST(as_of AS DATE) THEN ap.a.branch END AS branch,
        CASE WHEN ap.a.approved_on <= CAST(as_of AS DATE) AND ap.a.handover_on <= CAST(as_of AS DATE)
             THEN ap.a.handover_on END AS handover_on,
        coalesce(ap.a.approved_on <= CAST(as_of AS DATE) AND ap.a.returned_on <= CAST(as_of AS DATE), false) AS returned,
        CASE WHEN ap.a.approved_on <= CAST(as_of AS DATE) AND ap.a.returned_on <= CAST(as_of AS DATE)
             THEN ap.a.returned_on END AS returned_on,
        CASE WHEN ap.a.approved_on <= CAST(as_of AS DATE) AND ap.a.returned_on <= CAST(as_of AS DATE)
             THEN ap.a.return_reason END AS return_reason,
        coalesce(ap.a.approved_on <= CAST(as_of AS DATE) AND ap.a.returned_on <= CAST(as_of AS DATE)
                 AND ap.a.return_responsible, false) AS responsible_returned
    FROM reg
    LEFT JOIN ex USING (person, year, season)
    LEFT JOIN ap USING (person, year, season)
)
SELECT * FROM facts;
CREATE OR REPLACE MACRO person_facts_at(as_of, y, s) AS TABLE
SELECT
    f.person, f.year, f.season, sl.label AS season_label, f.as_of_date,
    f.region_code, coalesce(rg.name, f.region_code) AS region_name,
    left(f.region_code, 2) AS province_code, pr.name AS province_name,
    left(f.region_code, 4) AS city_code, ci.name AS city_name,
    left(f.region_code, 6) AS county_code, co.name AS county_name,
    CASE WHEN length(f.region_code) >= 9 THEN left(f.region_code, 9) END AS town_code, tw.name AS town_name,
    f.gender, gl.label AS gender_label, f.birth_year, f.age,
    f.education, el.label AS education_label, f.college,
    f.student_status, ssl.label AS student_status_label, f.graduate,
    f.major_category, ml.label AS major_category_label, f.stem,
    f.school, f.ethnicity,
    f.registered_on, f.first_registered_on, f.registrations, f.applied,
    f.physical_examined, f.physical_passed, f.physical_date, f.physical_reason,
    f.political_reviewed, f.political_passed, f.political_date, f.political_reason,
    f.double_qualified,
    f.approved, f.approved_on, f.branch, f.handover_on,
    f.returned, f.returned_on, f.return_reason, f.responsible_returned
FROM model_parts.person_facts_of(as_of, y, s, registrations, exams, approvals) f
LEFT JOIN regions rg ON rg.code = f.region_code
LEFT JOIN regions pr ON pr.code = left(f.region_code, 2)
LEFT JOIN regions ci ON ci.code = left(f.region_code, 4)
LEFT JOIN regions co ON co.code = left(f.region_code, 6)
LEFT JOIN regions tw ON tw.code = CASE WHEN length(f.region_code) >= 9 THEN left(f.region_code, 9) END
LEFT JOIN labels sl ON sl.field = 'season' AND sl.code = CAST(f.season AS VARCHAR)
LEFT JOIN labels gl ON gl.field = 'gender' AND gl.code = f.gender
LEFT JOIN labels el ON el.field = 'education' AND el.code = f.education
LEFT JOIN labels ssl ON ssl.field = 'student_status' AND ssl.code = f.student_status
LEFT JOIN labels ml ON ml.field = 'major_category' AND ml.code = f.major_category;
COMMENT ON MACRO TABLE person_facts_at IS '人员事实 (按日期): one row per registered person and season as of a date — regions at every level, gender, age, education, student status, major, school, registration, application, latest physical and political result with date and reason, approval, handover, return — pseudonymous key only; counting its rows gives the metrics';

-- person_facts: person_facts_at for the session variables as_of, year and
-- season (all three required, as for metrics).
CREATE OR REPLACE VIEW person_facts AS
SELECT * FROM person_facts_at(model_parts.var_as_of('person_facts'), model_parts.var_year('person_facts'), model_parts.var_season('person_facts'));
COMMENT ON VIEW person_facts IS '人员事实: person_facts_at(as_of, year, season) for the session variables; one row per registered person';
COMMENT ON COLUMN person_facts.person IS '人员代号: keyed pseudonym of the identity number';
COMMENT ON COLUMN person_facts.year IS '年度';
COMMENT ON COLUMN person_facts.season IS '批次: 1 上半年, 2 下半年';
COMMENT ON COLUMN person_facts.season_label IS '批次 (上半年, 下半年)';
COMMENT ON COLUMN person_facts.as_of_date IS '统计截止日期: nothing dated after it counts';
COMMENT ON COLUMN person_facts.region_code IS '区划代码 of the latest registration on or before as-of (town or village where given)';
COMMENT ON COLUMN person_facts.region_name IS '登记单位: that region''s name';
COMMENT ON COLUMN person_facts.province_code IS '省代码';
COMMENT ON COLUMN person_facts.province_name IS '省';
COMMENT ON COLUMN person_facts.city_code IS '市代码';
COMMENT ON COLUMN person_facts.city_name IS '市';
COMMENT ON COLUMN person_facts.county_code IS '区县代码';
COMMENT ON COLUMN person_facts.county_name IS '区县';
COMMENT ON COLUMN person_facts.town_code IS '乡镇街道代码; NULL when the registration names only a county';
COMMENT ON COLUMN person_facts.town_name IS '乡镇街道';
COMMENT ON COLUMN person_facts.gender IS '性别代码: male, female';
COMMENT ON COLUMN person_facts.gender_label IS '性别: 男, 女';
COMMENT ON COLUMN person_facts.birth_year IS '出生年份 (from the identity number)';
COMMENT ON COLUMN person_facts.age IS '年龄: year − birth_year, the age reached in the year of enlistment (SPEC §2 age rule)';
COMMENT ON COLUMN person_facts.education IS '文化程度代码: primary … doctor (labels)';
COMMENT ON COLUMN person_facts.education_label IS '文化程度: 小学 … 博士研究生';
COMMENT ON COLUMN person_facts.college IS '大学生: education 大专 or above';
COMMENT ON COLUMN person_facts.student_status IS '学业状态代码: in_school, fresh_graduate, past_graduate, non_student';
COMMENT ON COLUMN person_facts.student_status_label IS '学业状态: 在校生, 应届毕业生, 往届毕业生, 非学生';
COMMENT ON COLUMN person_facts.graduate IS '大学毕业生: college and 应届 or 往届毕业生';
COMMENT ON COLUMN person_facts.major_category IS '专业类别代码: stem, non_stem';
COMMENT ON COLUMN person_facts.major_category_label IS '专业类别: 理工类, 非理工类';
COMMENT ON COLUMN person_facts.stem IS '理工类: college with a science or engineering major';
COMMENT ON COLUMN person_facts.school IS '院校, as the registration gives it';
COMMENT ON COLUMN person_facts.ethnicity IS '民族';
COMMENT ON COLUMN person_facts.registered_on IS '登记日期 of the latest registration on or before as-of';
COMMENT ON COLUMN person_facts.first_registered_on IS '首次登记日期 that season';
COMMENT ON COLUMN person_facts.registrations IS '登记次数 that season by as-of (more than 1: re-registered, perhaps in another region)';
COMMENT ON COLUMN person_facts.applied IS '应征报名: any registration by as-of says the person applied';
COMMENT ON COLUMN person_facts.physical_examined IS '已体检: has a physical result by as-of';
COMMENT ON COLUMN person_facts.physical_passed IS '体检合格: the latest physical result by as-of is a pass';
COMMENT ON COLUMN person_facts.physical_date IS '体检日期 of that latest result';
COMMENT ON COLUMN person_facts.physical_reason IS '体检不合格原因 when the latest result is a fail';
COMMENT ON COLUMN person_facts.political_reviewed IS '已政考: has a political review result by as-of';
COMMENT ON COLUMN person_facts.political_passed IS '政考合格: the latest political result by as-of is a pass';
COMMENT ON COLUMN person_facts.political_date IS '政考日期 of that latest result';
COMMENT ON COLUMN person_facts.political_reason IS '政考不合格原因 when the latest result is a fail';
COMMENT ON COLUMN person_facts.double_qualified IS '双合格: latest physical and political both pass';
COMMENT ON COLUMN person_facts.approved IS '已定兵: approved on or before as-of';
COMMENT ON COLUMN person_facts.approved_on IS '批准入伍日期 (when on or before as-of)';
COMMENT ON COLUMN person_facts.branch IS '军兵种/去向';
COMMENT ON COLUMN person_facts.handover_on IS '起运交接日期 (when on or before as-of)';
COMMENT ON COLUMN person_facts.returned IS '已退兵: approved and returned on or before as-of';
COMMENT ON COLUMN person_facts.returned_on IS '退兵日期 (when on or before as-of)';
COMMENT ON COLUMN person_facts.return_reason IS '退兵原因';
COMMENT ON COLUMN person_facts.responsible_returned IS '有责退兵: returned, and the return counts against the region';
