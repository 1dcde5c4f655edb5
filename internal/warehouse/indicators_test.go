package warehouse_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"enlist/internal/analyst"
	"enlist/internal/config"
	"enlist/internal/warehouse"
)

// TestBadIndicatorRefused: an indicator of enlist.yaml whose SQL does not
// parse, reads a file or another table, names a column person_facts lacks
// or is not an aggregate is refused when the warehouse opens, with the
// file and the line of its sql, and nothing of the configuration is
// installed (the open fails; a good configuration still opens after).
func TestBadIndicatorRefused(t *testing.T) {
	ctx := context.Background()
	check := func(ctx context.Context, tx *sql.Tx, expr string, columns []string) error {
		return analyst.CheckIndicator(ctx, tx, expr, columns)
	}
	for _, tc := range []struct {
		name, sql string
		want      string
	}{
		{"syntax", "count(* FILTER (approved)", "does not parse"},
		{"file", "count(*) + (SELECT count(*) FROM read_csv('/etc/passwd'))", "subquery"},
		{"file_function", "count(*) + length(getenv('HOME'))", "function getenv"},
		{"file_table", "count(*) FILTER (region_code IN (SELECT code FROM 'codes.csv'))", "subquery"},
		{"other_table", "(SELECT count(*) FROM registrations)", "subquery"},
		{"qualified", "count(registrations.person)", "column registrations.person"},
		{"unknown_column", "count(*) FILTER (approved AND salary > 0)", "unknown column salary"},
		{"not_aggregate", "approved", "aggregate over a region's people"},
		{"not_number", "max(region_name)", "not a number"},
		{"union", "count(*)) AS v FROM person_facts UNION SELECT (count(*)", "no clause or query of its own"},
		{"where", "count(*)) AS v FROM person_facts WHERE (true", "does not parse"},
		{"statements", "count(*)) AS v FROM person_facts; DROP TABLE quotas; SELECT (1", "not statements"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			yaml := filepath.Join(dir, "enlist.yaml")
			// The sql is on line 5.
			text := "zone: UTC\nindicators:\n  - name: bad\n    label: 坏指标\n    sql: " + quoteYAML(tc.sql) + "\n"
			if err := os.WriteFile(yaml, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
			cfg, err := config.Load(yaml, true)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, "w.duckdb")
			wh, err := warehouse.Open(ctx, path, warehouse.Options{Threads: 1, Config: &cfg, CheckIndicator: check})
			if err == nil {
				wh.Close()
				t.Fatalf("indicator %q was accepted", tc.sql)
			}
			if !strings.Contains(err.Error(), yaml+":5: indicator bad refused") || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q: want %s:5 and %q", err, yaml, tc.want)
			}
			if tc.name != "file" {
				return
			}
			// The warehouse opens with the defaults afterwards: nothing of
			// the refused configuration stayed.
			wh, err = warehouse.Open(ctx, path, warehouse.Options{Threads: 1})
			if err != nil {
				t.Fatal(err)
			}
			var n int
			if err := wh.DB().QueryRowContext(ctx, `SELECT count(*) FROM office_indicators`).Scan(&n); err != nil || n != 0 {
				t.Errorf("office_indicators after a refusal: %d rows, %v", n, err)
			}
			wh.Close()
		})
	}
}

// quoteYAML writes s as a double-quoted YAML scalar.
func quoteYAML(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	return `"` + r.Replace(s) + `"`
}
