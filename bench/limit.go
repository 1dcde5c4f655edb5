package bench

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"

	"github.com/duckdb/duckdb-go/v2"
)

// The two references the ingest is measured against, run by `enlist bench
// limit` in a process of their own, through the same DuckDB library enlist
// links (duckdb-go v2.5.6, DuckDB 1.4.5).
const (
	// LimitVarchar is the limit: DuckDB reading the file into a table with
	// no logic of ours, every column as text.
	LimitVarchar = "varchar"
	// LimitTyped stores only what enlist stores of a registration roll:
	// the columns typed, the name dropped, a 16-byte key computed in SQL
	// in place of the identity number. It is what the DuckDB side of our
	// ingest must cost at least.
	LimitTyped = "typed"
	// LimitExtracts is the limit of the cold scenario: every extract of a
	// province's folder read into a table of its kind (one per sub-folder,
	// every column as text). The floor of the cold load's DuckDB side.
	LimitExtracts = "extracts"
)

// typedSelect maps the roll's Chinese headers (internal/synth's canonical
// ones, which the bench's roll keeps) to the registrations table's columns
// and types; 姓名 is left out, as enlist never stores a name.
const typedSelect = `
SELECT md5("身份证号")::UUID AS person,
       "性别" AS gender,
       substr("身份证号", 7, 4)::SMALLINT AS birth_year,
       left("身份证号", 6) AS id_county,
       "区划代码" AS region_code,
       "文化程度" AS education,
       "学业状态" AS student_status,
       "专业类别" AS major_category,
       "毕业院校" AS school,
       "民族" AS ethnicity,
       "登记日期"::DATE AS registered_on,
       "是否报名" = '是' AS applied,
       "年度"::INTEGER AS year,
       "批次"::TINYINT AS season
FROM read_csv(?, all_varchar = true, header = true, delim = ',', quote = '"')`

// RunLimit creates a new database at db holding the CSV file at csv, in
// the given form, and checkpoints it so the table is on disk as enlist's
// would be. threads and memoryLimit are the settings enlist's own steps
// run with (0 and "" take DuckDB's).
func RunLimit(ctx context.Context, form, csv, db string, threads int, memoryLimit string) (rows int64, err error) {
	var (
		query  string
		tables = []limitTable{{"roll", csv}}
	)
	switch form {
	case LimitVarchar:
		query = `SELECT * FROM read_csv(?, all_varchar = true, header = true, delim = ',', quote = '"')`
	case LimitTyped:
		query = typedSelect
	case LimitExtracts:
		// union_by_name: a kind's files need not share their columns (the
		// exam sheets of each type differ).
		query = `SELECT * FROM read_csv(?, all_varchar = true, header = true, delim = ',', quote = '"', union_by_name = true)`
		if tables, err = extractTables(csv); err != nil {
			return 0, err
		}
	default:
		return 0, fmt.Errorf("limit form %q: use %s, %s or %s", form, LimitVarchar, LimitTyped, LimitExtracts)
	}
	if err := os.Remove(db); err != nil && !os.IsNotExist(err) {
		return 0, fmt.Errorf("limit: remove old %s: %w", db, err)
	}
	q := url.Values{}
	if threads > 0 {
		q.Set("threads", strconv.Itoa(threads))
	}
	if memoryLimit != "" {
		q.Set("memory_limit", memoryLimit)
	}
	dsn := db
	if len(q) > 0 {
		dsn += "?" + q.Encode()
	}
	connector, err := duckdb.NewConnector(dsn, nil)
	if err != nil {
		return 0, fmt.Errorf("limit: open %s: %w", db, err)
	}
	h := sql.OpenDB(connector)
	defer func() { err = errors.Join(err, h.Close()) }()
	for _, t := range tables {
		if _, err := h.ExecContext(ctx, `CREATE TABLE "`+t.name+`" AS `+query, t.source); err != nil {
			return 0, fmt.Errorf("limit %s of %s: %w", form, t.source, err)
		}
	}
	if _, err := h.ExecContext(ctx, `CHECKPOINT`); err != nil {
		return 0, fmt.Errorf("limit: checkpoint: %w", err)
	}
	for _, t := range tables {
		var n int64
		if err := h.QueryRowContext(ctx, `SELECT count(*) FROM "`+t.name+`"`).Scan(&n); err != nil {
			return 0, fmt.Errorf("limit: count: %w", err)
		}
		rows += n
	}
	return rows, nil
}

// limitTable is a table of a limit and the file or glob it reads.
type limitTable struct{ name, source string }

// extractTables lists the sub-folders of dir holding CSV files (a
// province's extracts, one folder a kind), each with the glob of its files.
func extractTables(dir string) ([]limitTable, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("limit: the extracts: %w", err)
	}
	var out []limitTable
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		glob := filepath.Join(dir, e.Name(), "*.csv")
		if m, _ := filepath.Glob(glob); len(m) > 0 {
			out = append(out, limitTable{e.Name(), glob})
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("limit: no folder of CSV files in %s", dir)
	}
	return out, nil
}
