-- Comments of the report models' table macros (400–499), set here, after
-- they are created, so the data dictionary (enlist schema, \d) describes
-- every macro with a comment like every table and view.
COMMENT ON MACRO TABLE exam_fail_reasons_at IS '体检政考不合格原因 (按日期): people whose latest physical or political result by the date is a fail, by region, exam type and reason; they sum to the metrics'' failures';
COMMENT ON MACRO TABLE approval_outcomes_at IS '定兵结果 (按日期): each approved person''s region (as the metrics count them) and outcome by the date: approval, return and whether it counts against the region';
COMMENT ON MACRO TABLE return_reasons_at IS '退兵原因 (按日期): returns by region and reason by the date, responsible ones apart; they sum to the metrics'' returns';
COMMENT ON MACRO TABLE approvals_by_week_at IS '定兵进度 (按周): cumulative approvals and returns at the end of each week of the season, weeks ending on as_of, as_of − 7 …; approvals_weekly_at adds ISO and season weeks and each week''s own figures';
COMMENT ON MACRO registration_key IS '登记先后键: registration date, load and row as one sortable BIGINT, the order in which a person''s registrations supersede each other';
