-- labels: the Chinese label of every code the warehouse stores, field by
-- field, so a filter can be written either way (education = 'bachelor' or
-- education_label = '本科') and a code never silently matches nothing. The
-- codes are those the loader normalises to (pipelines/mapping/values.csv);
-- the analyst views carry a *_label column beside each coded column.
CREATE OR REPLACE VIEW labels AS
SELECT * FROM (VALUES
    ('gender', 'male', '男', 1),
    ('gender', 'female', '女', 2),
    ('track', 'male', '男兵', 1),
    ('track', 'female', '女兵', 2),
    ('education', 'primary', '小学', 1),
    ('education', 'junior_high', '初中', 2),
    ('education', 'high_school', '高中', 3),
    ('education', 'secondary_vocational', '中专/中职', 4),
    ('education', 'associate', '大专', 5),
    ('education', 'bachelor', '本科', 6),
    ('education', 'master', '硕士研究生', 7),
    ('education', 'doctor', '博士研究生', 8),
    ('student_status', 'in_school', '在校生', 1),
    ('student_status', 'fresh_graduate', '应届毕业生', 2),
    ('student_status', 'past_graduate', '往届毕业生', 3),
    ('student_status', 'non_student', '非学生', 4),
    ('major_category', 'stem', '理工类', 1),
    ('major_category', 'non_stem', '非理工类', 2),
    ('exam_type', 'physical', '体检', 1),
    ('exam_type', 'political', '政考', 2),
    ('exam_type', 'pretraining', '役前训练', 3),
    ('result', 'pass', '合格', 1),
    ('result', 'fail', '不合格', 2),
    ('applied', 'true', '是', 1),
    ('applied', 'false', '否', 2),
    ('return_responsible', 'true', '有责', 1),
    ('return_responsible', 'false', '无责', 2),
    ('season', '1', '上半年', 1),
    ('season', '2', '下半年', 2),
    ('level', '1', '省', 1),
    ('level', '2', '市', 2),
    ('level', '3', '区县', 3),
    ('level', '4', '乡镇街道', 4),
    ('level', '5', '村居', 5),
    ('service_type', 'conscript', '义务兵', 1),
    ('service_type', 'nco', '士官', 2),
    ('plan', 'self_employed', '自主就业', 1),
    ('plan', 'assigned_job', '安排工作', 2),
    ('plan', 'retired', '退休', 3),
    ('plan', 'supported', '供养', 4),
    ('plan', 'other', '其他', 5),
    ('integrity_issue', 'unqualified_approval', '未双合格定兵', 1),
    ('integrity_issue', 'two_regions', '跨地区重复登记', 2),
    ('integrity_issue', 'age_rule', '年龄不符', 3),
    ('integrity_issue', 'orphan', '无登记记录', 4)
) t(field, code, label, sort_order);
COMMENT ON VIEW labels IS '代码标签: every coded field''s codes and their Chinese labels (education bachelor = 本科 …); rejects and warnings have theirs in issue_labels';
COMMENT ON COLUMN labels.field IS '字段: the column name that holds the code (education, student_status, plan …; result for exams.passed, applied and return_responsible for booleans as true/false)';
COMMENT ON COLUMN labels.code IS '代码: the value stored';
COMMENT ON COLUMN labels.label IS '标签: the Chinese label reports print';
COMMENT ON COLUMN labels.sort_order IS '排序: the order a report lists the codes in';

-- label(f, c): the Chinese label of code c of field f (NULL for NULL).
CREATE OR REPLACE MACRO label(f, c) AS
    (SELECT l.label FROM labels l WHERE l.field = f AND l.code = CAST(c AS VARCHAR));
COMMENT ON MACRO label IS '代码标签: label(field, code) gives the Chinese label of a code, e.g. label(''education'', ''bachelor'') = 本科';
