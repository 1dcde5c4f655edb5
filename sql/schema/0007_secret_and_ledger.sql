-- The pseudonymisation secret's fingerprint, and the ledger's record of
-- restores, partial replacements and withdrawals (SPEC §4).
--
-- A warehouse is pseudonymised under one secret for its whole life: a file
-- loaded under another secret gives its people other pseudonyms, and they
-- silently stop matching the people already stored. The warehouse keeps a
-- keyed hash of a fixed text under the secret (never the secret itself), so
-- every load and rollup can tell a different secret and refuse it.
CREATE TABLE secret_fingerprint (
    fingerprint VARCHAR NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    recorded_by VARCHAR NOT NULL
);
COMMENT ON TABLE secret_fingerprint IS '密钥指纹: identifies the pseudonymisation secret this warehouse was made with (one row); not the secret, and the secret cannot be derived from it';
COMMENT ON COLUMN secret_fingerprint.fingerprint IS 'hex HMAC-SHA256 of a fixed text under the secret';
COMMENT ON COLUMN secret_fingerprint.recorded_at IS 'when it was recorded (UTC)';
COMMENT ON COLUMN secret_fingerprint.recorded_by IS 'the command that recorded it: init, or the first load or rollup of a warehouse made before fingerprints were kept';

ALTER TABLE load_ledger ADD COLUMN restores BIGINT;
ALTER TABLE load_ledger ADD COLUMN withdrawn_at TIMESTAMP;
ALTER TABLE load_ledger ADD COLUMN withdrawn_by VARCHAR;
ALTER TABLE load_ledger ADD COLUMN withdraw_reason VARCHAR;
COMMENT ON COLUMN load_ledger.status IS 'loaded (in force), replaced (a newer snapshot of the same scope took its place) or withdrawn (removed with enlist withdraw)';
COMMENT ON COLUMN load_ledger.restores IS 'load_id of the earlier load of the same file this load made current again (an office taking back a correction); NULL for a first delivery';
COMMENT ON COLUMN load_ledger.withdrawn_at IS 'when the load was withdrawn (UTC)';
COMMENT ON COLUMN load_ledger.withdrawn_by IS 'who withdrew it (the operating-system user)';
COMMENT ON COLUMN load_ledger.withdraw_reason IS 'why it was withdrawn, as given with --why';
COMMENT ON COLUMN load_ledger.rows_flagged IS '警示 at load: stored rows carrying a warning when the file was loaded (history; the flags view holds the current warnings)';

-- Every replacement, whole or for part of a load's region: a county's newer
-- snapshot takes the place of an older city-wide snapshot's rows for that
-- county only, and the city-wide load stays in force for the rest.
CREATE TABLE load_replacements (
    load_id          BIGINT NOT NULL,
    replaced_load_id BIGINT NOT NULL,
    region_code      VARCHAR NOT NULL,
    partial          BOOLEAN NOT NULL,
    rows_removed     BIGINT NOT NULL,
    replaced_at      TIMESTAMP NOT NULL
);
COMMENT ON TABLE load_replacements IS '替换记录: which load replaced which, whole or for one region only';
COMMENT ON COLUMN load_replacements.load_id IS '批次号 of the newer snapshot';
COMMENT ON COLUMN load_replacements.replaced_load_id IS '批次号 of the older snapshot whose rows it took the place of';
COMMENT ON COLUMN load_replacements.region_code IS 'the region whose rows were replaced: the newer snapshot''s own region';
COMMENT ON COLUMN load_replacements.partial IS 'true when the older snapshot covers a larger region and stays in force outside region_code';
COMMENT ON COLUMN load_replacements.rows_removed IS 'rows of the older snapshot removed';
COMMENT ON COLUMN load_replacements.replaced_at IS 'when (UTC)';
