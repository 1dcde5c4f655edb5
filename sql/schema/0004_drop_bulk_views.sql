-- Earlier loads left the Arrow stream views they read from (enlist_bulk_*)
-- in the catalog; their streams are gone, and querying one crashes DuckDB.
DROP VIEW IF EXISTS enlist_bulk_quotas;
DROP VIEW IF EXISTS enlist_bulk_registrations;
DROP VIEW IF EXISTS enlist_bulk_exams;
DROP VIEW IF EXISTS enlist_bulk_approvals;
DROP VIEW IF EXISTS enlist_bulk_resettlement;
DROP VIEW IF EXISTS enlist_bulk_rejects;
DROP VIEW IF EXISTS enlist_bulk_row_flags;
