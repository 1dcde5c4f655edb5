-- Provincial rollup lineage (SPEC §8): which county or city delivered what
-- into this warehouse. A delivery is one source's state as read by one
-- `enlist rollup`; its loads are copied from the source's load ledger under
-- new load ids, and a newer delivery from the same source (same region, or
-- the same path) takes their place in one transaction. Replaced deliveries
-- stay listed, their rows are gone (the source keeps its own history).

CREATE SEQUENCE rollup_delivery_seq START 1;

CREATE TABLE rollup_deliveries (
    delivery_id   BIGINT NOT NULL,
    source_region VARCHAR NOT NULL,
    source_type   VARCHAR NOT NULL,
    source_path   VARCHAR NOT NULL,
    read_path     VARCHAR NOT NULL,
    fingerprint   VARCHAR NOT NULL,
    loads         INTEGER NOT NULL,
    rows_accepted BIGINT NOT NULL,
    delivered_at  TIMESTAMP NOT NULL,
    status        VARCHAR NOT NULL,
    replaced_by   BIGINT
);
COMMENT ON TABLE rollup_deliveries IS '汇总来源: one row per delivery of a county''s or city''s data into this (provincial) warehouse';
COMMENT ON COLUMN rollup_deliveries.delivery_id IS '交付号: referenced by rollup_loads';
COMMENT ON COLUMN rollup_deliveries.source_region IS '来源单位: the region code the source covers (common ancestor of its loads'' scopes); a later delivery for the same region replaces this one';
COMMENT ON COLUMN rollup_deliveries.source_type IS 'warehouse (a county''s or city''s .duckdb file) or extracts (a folder loaded through the ordinary loader)';
COMMENT ON COLUMN rollup_deliveries.source_path IS '来源路径: the source as given to enlist rollup (absolute)';
COMMENT ON COLUMN rollup_deliveries.read_path IS 'the file actually read: the source''s published copy (<file>.published/vNNNNNN.duckdb) when it had one, else the file or folder itself';
COMMENT ON COLUMN rollup_deliveries.fingerprint IS '内容指纹: SHA-256 over the source''s current loads (load id, file SHA-256, kind, scope, rows), or for a folder over its files'' names and SHA-256; an unchanged fingerprint means nothing to do';
COMMENT ON COLUMN rollup_deliveries.loads IS 'files (loads) the delivery brought';
COMMENT ON COLUMN rollup_deliveries.rows_accepted IS 'data rows the delivery brought, over all its loads';
COMMENT ON COLUMN rollup_deliveries.delivered_at IS 'when the delivery landed (UTC)';
COMMENT ON COLUMN rollup_deliveries.status IS 'current, replaced (a newer delivery of the same source took its place) or withdrawn (removed with enlist rollup --withdraw)';
COMMENT ON COLUMN rollup_deliveries.replaced_by IS 'delivery_id of the delivery that replaced this one';

CREATE TABLE rollup_loads (
    delivery_id    BIGINT NOT NULL,
    load_id        BIGINT NOT NULL,
    source_load_id BIGINT NOT NULL,
    file           VARCHAR NOT NULL,
    sha256         VARCHAR NOT NULL,
    kind           VARCHAR NOT NULL,
    exam_type      VARCHAR,
    mode           VARCHAR NOT NULL,
    scope_region   VARCHAR,
    scope_year     INTEGER,
    scope_season   TINYINT,
    rows_accepted  BIGINT NOT NULL
);
COMMENT ON TABLE rollup_loads IS '汇总批次: the loads (files) a current delivery brought, with their scopes; how two sources claiming the same scope are found';
COMMENT ON COLUMN rollup_loads.delivery_id IS '交付号 in rollup_deliveries';
COMMENT ON COLUMN rollup_loads.load_id IS '批次号 in this warehouse (load_ledger and every data row)';
COMMENT ON COLUMN rollup_loads.source_load_id IS '批次号 in the source''s own warehouse';
COMMENT ON COLUMN rollup_loads.file IS '文件: path as given to the source''s ingest';
COMMENT ON COLUMN rollup_loads.sha256 IS 'SHA-256 of the file bytes';
COMMENT ON COLUMN rollup_loads.kind IS '类型: quotas, registrations, exams, approvals, resettlement';
COMMENT ON COLUMN rollup_loads.exam_type IS '考核类型 of an exams file (NULL when it holds several)';
COMMENT ON COLUMN rollup_loads.mode IS 'snapshot or incremental';
COMMENT ON COLUMN rollup_loads.scope_region IS '范围: region code the file covers';
COMMENT ON COLUMN rollup_loads.scope_year IS '年度 the file covers (NULL when several)';
COMMENT ON COLUMN rollup_loads.scope_season IS '批次 the file covers (NULL when both)';
COMMENT ON COLUMN rollup_loads.rows_accepted IS '入库: rows the file brought';
