package rollup

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"enlist/internal/idnum"
	"enlist/internal/metrics"
	"enlist/internal/secret"
	"enlist/internal/warehouse"
	loadpkg "enlist/pipelines/load"
)

// People of the fixtures: county 410102 has a1–a4, county 410103 has b1–b3,
// county 410104 (an extract folder) has c1–c2. Their numbers never reach a
// warehouse.
var (
	born = time.Date(2005, 3, 9, 0, 0, 0, 0, time.UTC)
	a    = []string{idnum.Make("410102", born, 11), idnum.Make("410102", born, 13), idnum.Make("410102", born, 15), idnum.Make("410102", born, 17)}
	b    = []string{idnum.Make("410103", born, 21), idnum.Make("410103", born, 23), idnum.Make("410103", born, 25)}
	c    = []string{idnum.Make("410104", born, 31), idnum.Make("410104", born, 33)}
	a5   = idnum.Make("410102", born, 19)
)

const regHead = "身份证号,姓名,区划代码,登记日期,文化程度,学业状态,是否应征报名,年度,季度"

func reg(id, region, edu, applied string) string {
	return fmt.Sprintf("%s,张三,%s,2025-01-10,%s,在校生,%s,2025,上半年", id, region, edu, applied)
}

func exam(id, typ, date, result string) string { return id + "," + typ + "," + date + "," + result }

// countyA: quota 10; registered 4, applied 3; physical 3 examined, 2 passed;
// political 2 reviewed, 2 passed; approved 2.
func countyA() map[string]string {
	return map[string]string{
		"quota.csv": "年度,批次,区划代码,征集任务数\n2025,上半年,410102,10\n",
		"reg.csv": regHead + "\n" + strings.Join([]string{
			reg(a[0], "410102001", "本科", "是"), reg(a[1], "410102001", "高中", "是"),
			reg(a[2], "410102002", "大专", "是"), reg(a[3], "410102002", "初中", "否")}, "\n") + "\n",
		"phys.csv": "身份证号,检查类型,检查日期,结论\n" + strings.Join([]string{
			exam(a[0], "体检", "2025-02-11", "合格"), exam(a[1], "体检", "2025-02-11", "合格"),
			exam(a[2], "体检", "2025-02-12", "不合格")}, "\n") + "\n",
		"pol.csv": "身份证号,检查类型,检查日期,结论\n" + strings.Join([]string{
			exam(a[0], "政考", "2025-02-21", "合格"), exam(a[1], "政考", "2025-02-21", "合格")}, "\n") + "\n",
		"appr.csv": "身份证号,批准日期,年度,季度\n" + a[0] + ",2025-03-01,2025,1\n" + a[1] + ",2025-03-01,2025,1\n",
	}
}

// countyB: quota 6; registered 3, applied 2; physical 2 examined, 1 passed;
// political 1 reviewed, 1 passed; approved 1.
func countyB() map[string]string {
	return map[string]string{
		"quota.csv": "年度,批次,区划代码,征集任务数\n2025,上半年,410103,6\n",
		"reg.csv": regHead + "\n" + strings.Join([]string{
			reg(b[0], "410103001", "本科", "是"), reg(b[1], "410103001", "大专", "是"),
			reg(b[2], "410103002", "高中", "否")}, "\n") + "\n",
		"phys.csv": "身份证号,检查类型,检查日期,结论\n" + strings.Join([]string{
			exam(b[0], "体检", "2025-02-11", "合格"), exam(b[1], "体检", "2025-02-11", "不合格")}, "\n") + "\n",
		"pol.csv":  "身份证号,检查类型,检查日期,结论\n" + exam(b[0], "政考", "2025-02-21", "合格") + "\n",
		"appr.csv": "身份证号,批准日期,年度,季度\n" + b[0] + ",2025-03-01,2025,1\n",
	}
}

// countyC is delivered as an extract folder: quota 4, registered 2, applied 2.
func countyC() map[string]string {
	return map[string]string{
		"quota.csv": "年度,批次,区划代码,征集任务数\n2025,上半年,410104,4\n",
		"reg.csv":   regHead + "\n" + reg(c[0], "410104001", "本科", "是") + "\n" + reg(c[1], "410104001", "本科", "是") + "\n",
	}
}

func setup(t *testing.T) (string, Options) {
	t.Helper()
	t.Setenv(secret.EnvVar, "province-secret-0123456789abcdef")
	opt := Options{Threads: 2, Key: func() (secret.Key, error) { return secret.Load("") }}
	return t.TempDir(), opt
}

func writeFolder(t *testing.T, dir string, files map[string]string) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// county loads files into the warehouse at path through the ordinary
// loader, as a county's office does with enlist ingest.
func county(t *testing.T, path string, files map[string]string) string {
	t.Helper()
	ctx := context.Background()
	dir := writeFolder(t, path+fmt.Sprintf("-extracts-%d", time.Now().UnixNano()), files)
	wh, err := warehouse.Open(ctx, path, warehouse.Options{Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	key, err := secret.Load("")
	if err != nil {
		t.Fatal(err)
	}
	l, err := loadpkg.NewLoader(wh, key, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.LoadPaths(ctx, []string{dir}, loadpkg.Options{}); err != nil {
		t.Fatal(err)
	}
	if err := wh.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func openRO(t *testing.T, path string) *warehouse.Warehouse {
	t.Helper()
	wh, err := warehouse.Open(context.Background(), path, warehouse.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	return wh
}

func count(t *testing.T, path, q string, args ...any) int {
	t.Helper()
	wh := openRO(t, path)
	defer wh.Close()
	var n int
	if err := wh.DB().QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// checksums fingerprints every table of the warehouse: rows and contents.
func checksums(t *testing.T, path string) map[string]string {
	t.Helper()
	wh := openRO(t, path)
	defer wh.Close()
	rows, err := wh.DB().Query(`SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, s)
	}
	rows.Close()
	out := map[string]string{}
	for _, tbl := range tables {
		var n int
		var sum string
		if err := wh.DB().QueryRow(`SELECT count(*), coalesce(md5(string_agg(t::VARCHAR, '|' ORDER BY t::VARCHAR)), '') FROM "`+tbl+`" t`).Scan(&n, &sum); err != nil {
			t.Fatal(err)
		}
		out[tbl] = fmt.Sprintf("%d:%s", n, sum)
	}
	return out
}

var dataTablesAll = []string{"quotas", "registrations", "exams", "approvals", "resettlement", "row_flags", "rejects", "load_ledger"}

func TestTwoCountiesAddUpAndRerunChangesNothing(t *testing.T) {
	dir, opt := setup(t)
	ctx := context.Background()
	pa := county(t, filepath.Join(dir, "410102.duckdb"), countyA())
	pb := county(t, filepath.Join(dir, "410103.duckdb"), countyB())
	prov := filepath.Join(dir, "henan.duckdb")

	rep, err := Run(ctx, prov, []string{pa, pb}, opt)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range rep.Outcomes {
		if o.Status != "delivered" {
			t.Errorf("%s: %s %v", o.Source, o.Status, o.Err)
		}
	}
	if rep.Outcomes[0].Region != "410102" || rep.Outcomes[1].Region != "410103" {
		t.Errorf("regions %s, %s", rep.Outcomes[0].Region, rep.Outcomes[1].Region)
	}
	if rep.Published == "" {
		t.Error("province not published")
	}
	for _, tbl := range dataTablesAll {
		q := `SELECT count(*) FROM ` + tbl
		if got, want := count(t, prov, q), count(t, pa, q)+count(t, pb, q); got != want {
			t.Errorf("%s: province %d, counties %d", tbl, got, want)
		}
	}

	// The province's metrics are the counties' summed, by hand.
	wh := openRO(t, prov)
	q := metrics.Query{Scope: "41", Year: 2025, Season: 1, AsOf: time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC), Depth: 2}
	frame, err := metrics.Read(ctx, wh, q)
	wh.Close()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]map[string]int64{
		"41":     {"quota": 16, "registered": 7, "applied": 5, "physical_examined": 5, "physical_passed": 3, "political_reviewed": 3, "political_passed": 3, "double_qualified": 3, "approved": 3},
		"4101":   {"quota": 16, "registered": 7, "applied": 5, "physical_examined": 5, "physical_passed": 3, "political_reviewed": 3, "political_passed": 3, "double_qualified": 3, "approved": 3},
		"410102": {"quota": 10, "registered": 4, "applied": 3, "physical_examined": 3, "physical_passed": 2, "political_reviewed": 2, "political_passed": 2, "double_qualified": 2, "approved": 2},
		"410103": {"quota": 6, "registered": 3, "applied": 2, "physical_examined": 2, "physical_passed": 1, "political_reviewed": 1, "political_passed": 1, "double_qualified": 1, "approved": 1},
	}
	seen := 0
	for i := range frame.Rows {
		code := fmt.Sprint(frame.Value(i, "region_code"))
		w, ok := want[code]
		if !ok {
			continue
		}
		seen++
		for col, v := range w {
			if got := fmt.Sprint(frame.Value(i, col)); got != fmt.Sprint(v) {
				t.Errorf("%s %s = %s, want %d", code, col, got, v)
			}
		}
	}
	if seen != len(want) {
		t.Errorf("metrics rows for %d of %d regions", seen, len(want))
	}

	// Lineage: one current delivery per county, its loads with their
	// scopes, and every province load accounted for.
	if got := count(t, prov, `SELECT count(*) FROM rollup_deliveries WHERE status = 'current' AND source_type = 'warehouse'
		AND source_path IN (?, ?) AND length(fingerprint) = 64`, pa, pb); got != 2 {
		t.Errorf("current deliveries = %d", got)
	}
	if got := count(t, prov, `SELECT count(*) FROM load_ledger l JOIN rollup_loads r USING (load_id)
		JOIN rollup_deliveries d USING (delivery_id) WHERE starts_with(l.scope_region, d.source_region) AND l.sha256 = r.sha256`); got != 10 {
		t.Errorf("ledger rows traced to their delivery = %d, want 10", got)
	}
	if got := count(t, prov, `SELECT count(*) FROM rollup_loads WHERE kind = 'exams' AND exam_type = 'physical' AND scope_region = '410103001' AND scope_year = 2025 AND scope_season = 1`); got != 1 {
		t.Errorf("county B's physical exams scope (town 410103001, where both examined live) in lineage = %d", got)
	}

	// Again with nothing new: every table as it was, nothing published.
	before := checksums(t, prov)
	rep, err = Run(ctx, prov, []string{pa, pb}, opt)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range rep.Outcomes {
		if o.Status != "unchanged" {
			t.Errorf("re-run %s: %s", o.Source, o.Status)
		}
	}
	if rep.Changed || rep.Published != "" {
		t.Errorf("re-run changed %v published %q", rep.Changed, rep.Published)
	}
	after := checksums(t, prov)
	if len(before) < 10 {
		t.Fatalf("only %d tables checked", len(before))
	}
	for tbl, sum := range before {
		if after[tbl] != sum {
			t.Errorf("table %s changed on re-run: %s -> %s", tbl, sum, after[tbl])
		}
	}
}
