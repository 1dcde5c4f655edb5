-- Who loaded each file: the console's account that confirmed an upload, or
-- the operating-system user of enlist ingest. Loads made before the column
-- existed keep NULL (not known).
ALTER TABLE load_ledger ADD COLUMN loaded_by VARCHAR;
COMMENT ON COLUMN load_ledger.loaded_by IS '入库人: the web console account that confirmed the upload, the operating-system user of enlist ingest, or "job NAME" for a scheduled ingest; NULL for loads made before it was kept';
