-- issue_labels: how the bulletin and the data-quality report name each reject
-- reason and warning code, in Chinese and English. One row per code; add a
-- row here when the validator learns a new reason.
CREATE OR REPLACE VIEW issue_labels AS
SELECT * FROM (VALUES
    ('reject', 'bad_id_check', '身份证号校验码错误', 'identity number check character wrong'),
    ('reject', 'bad_id_length', '身份证号位数错误', 'identity number of wrong length'),
    ('reject', 'bad_id_char', '身份证号含非法字符', 'identity number has invalid characters'),
    ('reject', 'bad_id_birth', '身份证号出生日期无效', 'identity number birth date invalid'),
    ('reject', 'bad_date', '日期无法识别', 'date not recognised'),
    ('reject', 'implausible_date', '日期不合理', 'implausible date'),
    ('reject', 'bad_value', '取值无法识别', 'value not recognised'),
    ('reject', 'missing_value', '必填项为空', 'required value missing'),
    ('reject', 'bad_number', '数字无法识别', 'number not recognised'),
    ('reject', 'bad_region', '区划代码无效', 'invalid region code'),
    ('reject', 'duplicate', '文件内重复', 'duplicate within the file'),
    ('flag', 'age_rule', '年龄不符', 'outside the age rule'),
    ('flag', 'id_region_unknown', '身份证号区县未知', 'identity number county unknown'),
    ('flag', 'region_unknown', '区划代码未知', 'region code unknown'),
    ('flag', 'birth_date_mismatch', '出生日期与身份证号不符', 'birth date differs from the identity number'),
    ('flag', 'gender_mismatch', '性别与身份证号不符', 'gender differs from the identity number'),
    ('flag', 'unrecognised_value', '可选项取值无法识别', 'optional value not recognised'),
    ('flag', 'date_order', '日期先后矛盾', 'dates out of order'),
    ('flag', 'orphan', '无登记记录', 'no registration'),
    ('flag', 'two_regions', '跨地区重复登记', 'registered in two regions'),
    ('flag', 'unqualified_approval', '未双合格定兵', 'approved without double qualification'),
    ('load', 'withdrawn', '已撤回，入库行已移除', 'withdrawn, its rows removed')
) AS t(source, code, label_zh, label_en);
COMMENT ON VIEW issue_labels IS '问题名称: the Chinese and English name of every reject reason and warning code';
COMMENT ON COLUMN issue_labels.source IS '来源: reject (拒收, the row was refused), flag (警示, the row was kept) or load (the whole file: withdrawn)';
COMMENT ON COLUMN issue_labels.code IS '问题代码: rejects.reason or flags.flag';
COMMENT ON COLUMN issue_labels.label_zh IS '问题 (中文)';
COMMENT ON COLUMN issue_labels.label_en IS 'issue (English)';
