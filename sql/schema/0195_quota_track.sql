-- Women recruits (女兵) are recruited in a track of their own, with their
-- own quota: a quota row names its track, male (the default, and every row
-- delivered before tracks existed) or female.
ALTER TABLE quotas ADD COLUMN track VARCHAR;
COMMENT ON COLUMN quotas.track IS '征集类别: male (男兵, also when empty) or female (女兵): a female row is the quota of the women''s track, and women under it count against it rather than against the male quota';
