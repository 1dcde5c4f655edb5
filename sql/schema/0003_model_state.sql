-- Which models and settings are installed, so opening the warehouse only
-- re-creates the views when the binary or enlist.yaml changed them.
CREATE TABLE model_state (
    fingerprint VARCHAR NOT NULL
);
COMMENT ON TABLE model_state IS 'SHA-256 of the installed models and settings';
COMMENT ON COLUMN model_state.fingerprint IS 'hex SHA-256 over every model file and setting';
