-- registration_key(registered_on, load_id, source_row): the order in which a
-- person's registrations supersede each other — registration date, then
-- load, then row — as one sortable BIGINT (days since 2000 in the high bits),
-- the key for "latest registration" of person_facts_at (510) and
-- integrity_people_at (520), and of person_flags_at (100, written out there,
-- as it comes before this file). The report models (420, 430) place a person
-- with it exactly as the metrics do, so the bulletin's breakdowns add up to
-- the metrics, while looking up only the few people they need.
CREATE OR REPLACE MACRO registration_key(registered_on, load_id, source_row) AS
    ((registered_on - DATE '2000-01-01')::BIGINT << 47) + (load_id << 24) + source_row;
