package rollup

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"enlist/internal/config"
	"enlist/internal/idnum"
	"enlist/internal/metrics"
	"enlist/internal/secret"
	"enlist/internal/warehouse"
	"enlist/pipelines/export"
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

// sameChecksums fails the test for every table of path whose contents are
// not what before recorded; what names the run that must not have changed it.
func sameChecksums(t *testing.T, path string, before map[string]string, what string) {
	t.Helper()
	for tbl, sum := range checksums(t, path) {
		if before[tbl] != sum {
			t.Errorf("%s changed %s", what, tbl)
		}
	}
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

// city is a city office's warehouse holding both counties' extracts.
func city(t *testing.T, path string) string {
	t.Helper()
	files := map[string]string{}
	for k, v := range countyA() {
		files["a-"+k] = v
	}
	for k, v := range countyB() {
		files["b-"+k] = v
	}
	return county(t, path, files)
}

func TestConflictsAreRefusedNotMerged(t *testing.T) {
	dir, opt := setup(t)
	ctx := context.Background()
	pa := county(t, filepath.Join(dir, "410102.duckdb"), countyA())
	pcity := city(t, filepath.Join(dir, "4101.duckdb"))
	folder := writeFolder(t, filepath.Join(dir, "410104-extracts"), countyC())
	prov := filepath.Join(dir, "henan.duckdb")

	// Both given at once: neither can be preferred, both are refused, and
	// the rest lands.
	rep, err := Run(ctx, prov, []string{pa, pcity, folder}, opt)
	var ce *ConflictError
	if !errors.As(err, &ce) {
		t.Fatalf("want a conflict, got %v", err)
	}
	t.Log(err)
	for _, p := range []string{pa, pcity} {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("conflict report does not name %s: %v", p, err)
		}
	}
	status := map[string]string{}
	for _, o := range rep.Outcomes {
		status[o.Source] = o.Status
	}
	if status[pa] != "refused" || status[pcity] != "refused" || status[folder] != "delivered" {
		t.Errorf("statuses %v", status)
	}
	if got := count(t, prov, `SELECT count(*) FROM registrations`); got != 2 {
		t.Errorf("registrations = %d, want county C's 2 only", got)
	}
	if got := count(t, prov, `SELECT count(*) FROM quotas WHERE starts_with(region_code, '410102') OR starts_with(region_code, '410103')`); got != 0 {
		t.Errorf("%d quota rows of the conflicting scope were merged", got)
	}

	// The county alone lands; then the city, claiming the county's scope,
	// is refused by name and the province stays as it was.
	if _, err := Run(ctx, prov, []string{pa}, opt); err != nil {
		t.Fatal(err)
	}
	before := checksums(t, prov)
	_, err = Run(ctx, prov, []string{pcity}, opt)
	if !errors.As(err, &ce) || !ce.Earlier || ce.Other != pa || ce.Source != pcity {
		t.Fatalf("city after county: %#v (%v)", ce, err)
	}
	if !strings.Contains(err.Error(), "--withdraw") {
		t.Errorf("the refusal does not say how to switch: %v", err)
	}
	sameChecksums(t, prov, before, "refused city")

	// The city takes over once the county's delivery is withdrawn; county
	// C's extract folder is no part of the city's scopes and stays.
	opt.Withdraw = []string{pa}
	rep, err = Run(ctx, prov, []string{pcity}, opt)
	if err != nil {
		t.Fatal(err)
	}
	if got := count(t, prov, `SELECT count(*) FROM registrations`); got != 7+2 {
		t.Errorf("registrations after the city took over = %d, want 9", got)
	}
	if got := count(t, prov, `SELECT count(*) FROM rollup_deliveries WHERE status = 'withdrawn' AND source_path = ?`, pa); got != 1 {
		t.Errorf("withdrawn deliveries of the county = %d", got)
	}

	// Two files of the same county in one rollup are refused both.
	pa2 := filepath.Join(dir, "410102-copy.duckdb")
	data, err := os.ReadFile(pa)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pa2, data, 0o644); err != nil {
		t.Fatal(err)
	}
	opt.Withdraw = nil
	prov2 := filepath.Join(dir, "other.duckdb")
	_, err = Run(ctx, prov2, []string{pa, pa2}, opt)
	if !errors.As(err, &ce) || ce.SameRegion != "410102" {
		t.Fatalf("same county twice: %v", err)
	}
	if got := count(t, prov2, `SELECT count(*) FROM load_ledger`); got != 0 {
		t.Errorf("%d loads merged from the same county twice", got)
	}
	// Once the county has delivered, a second, different file of it beside
	// the unchanged first is refused too, and the first stays as it was.
	if _, err := Run(ctx, prov2, []string{pa}, opt); err != nil {
		t.Fatal(err)
	}
	county(t, pa2, map[string]string{"quota-s2.csv": "年度,批次,区划代码,征集任务数\n2025,下半年,410102,7\n"})
	before = checksums(t, prov2)
	rep, err = Run(ctx, prov2, []string{pa, pa2}, opt)
	if !errors.As(err, &ce) || ce.SameRegion != "410102" || rep.Outcomes[0].Status != "refused" || rep.Outcomes[1].Status != "refused" {
		t.Fatalf("a second file beside the delivered one: %v %+v", err, rep.Outcomes)
	}
	sameChecksums(t, prov2, before, "refused second file")
}

func TestNewerDeliveryReplacesEarlier(t *testing.T) {
	dir, opt := setup(t)
	ctx := context.Background()
	pa := county(t, filepath.Join(dir, "410102.duckdb"), countyA())
	pb := county(t, filepath.Join(dir, "410103.duckdb"), countyB())
	prov := filepath.Join(dir, "henan.duckdb")
	rep, err := Run(ctx, prov, []string{pa, pb}, opt)
	if err != nil {
		t.Fatal(err)
	}
	firstA, firstB := rep.Outcomes[0].Delivery, rep.Outcomes[1].Delivery
	oldLoads := count(t, prov, `SELECT max(load_id) FROM rollup_loads WHERE delivery_id = ?`, firstA)

	// The county's weekly list to date, now with a fifth person; the
	// county publishes, and the province reads the published copy.
	files := countyA()
	files["reg.csv"] += reg(a5, "410102001", "本科", "是") + "\n"
	county(t, pa, map[string]string{"reg-week2.csv": files["reg.csv"]})
	pub, err := warehouse.Publish(ctx, pa)
	if err != nil {
		t.Fatal(err)
	}
	rep, err = Run(ctx, prov, []string{pa, pb}, opt)
	if err != nil {
		t.Fatal(err)
	}
	oa, ob := rep.Outcomes[0], rep.Outcomes[1]
	if oa.Status != "delivered" || len(oa.Replaced) != 1 || oa.Replaced[0] != firstA || oa.ReadPath != pub {
		t.Errorf("county A: %+v", oa)
	}
	if ob.Status != "unchanged" || ob.Delivery != firstB {
		t.Errorf("county B: %+v", ob)
	}
	if got := count(t, prov, `SELECT count(*) FROM registrations`); got != 5+3 {
		t.Errorf("registrations = %d, want 8", got)
	}
	if got := count(t, prov, `SELECT count(*) FROM rollup_deliveries WHERE delivery_id = ? AND status = 'replaced' AND replaced_by = ?`, firstA, oa.Delivery); got != 1 {
		t.Error("earlier delivery not marked replaced")
	}
	for _, tbl := range dataTablesAll {
		if got := count(t, prov, `SELECT count(*) FROM `+tbl+` WHERE load_id <= ? AND load_id NOT IN (SELECT load_id FROM rollup_loads)`, oldLoads); got != 0 {
			t.Errorf("%s keeps %d rows of the replaced delivery", tbl, got)
		}
	}
	if got := count(t, prov, `SELECT count(*) FROM rollup_deliveries WHERE delivery_id = ? AND read_path = ?`, oa.Delivery, pub); got != 1 {
		t.Error("lineage does not record the published copy read")
	}
	// The ledger holds the county's current loads only: its replaced
	// registrations file stayed behind in the county.
	if got, want := count(t, prov, `SELECT count(*) FROM load_ledger`), count(t, pa, `SELECT count(*) FROM load_ledger WHERE status = 'loaded'`)+count(t, pb, `SELECT count(*) FROM load_ledger`); got != want {
		t.Errorf("province ledger %d rows, want %d", got, want)
	}
}

func TestExtractFolderSource(t *testing.T) {
	dir, opt := setup(t)
	ctx := context.Background()
	folder := writeFolder(t, filepath.Join(dir, "410104"), countyC())
	prov := filepath.Join(dir, "henan.duckdb")

	noKey := opt
	noKey.Key = nil
	if _, err := Run(ctx, prov, []string{folder}, noKey); err == nil || !strings.Contains(err.Error(), "secret") {
		t.Fatalf("extract folder without the secret: %v", err)
	}
	rep, err := Run(ctx, prov, []string{folder}, opt)
	if err != nil {
		t.Fatal(err)
	}
	o := rep.Outcomes[0]
	if o.Type != TypeExtracts || o.Region != "410104" || o.Loads != 2 || o.Rows != 3 {
		t.Errorf("outcome %+v", o)
	}
	if got := count(t, prov, `SELECT count(*) FROM registrations r JOIN rollup_loads l USING (load_id)
		JOIN rollup_deliveries d USING (delivery_id) WHERE d.source_type = 'extracts' AND d.read_path = ?`, folder); got != 2 {
		t.Errorf("registrations traced to the folder = %d", got)
	}
	entries, _ := filepath.Glob(filepath.Join(dir, ".rollup-staging-*"))
	if len(entries) != 0 {
		t.Errorf("staging left behind: %v", entries)
	}
	before := checksums(t, prov)
	rep, err = Run(ctx, prov, []string{folder}, opt)
	if err != nil || rep.Outcomes[0].Status != "unchanged" {
		t.Fatalf("re-run: %v %+v", err, rep.Outcomes)
	}
	sameChecksums(t, prov, before, "re-run of an unchanged folder")
	// A folder with a refused file is refused whole.
	bad := writeFolder(t, filepath.Join(dir, "410105"), map[string]string{
		"reg.csv":  regHead + "\n" + reg(idnum.Make("410105", born, 41), "410105001", "本科", "是") + "\n",
		"junk.csv": "what,is,this\n1,2,3\n",
	})
	if _, err := Run(ctx, prov, []string{bad}, opt); err == nil || !strings.Contains(err.Error(), "junk.csv") {
		t.Fatalf("folder with a refused file: %v", err)
	}
	if got := count(t, prov, `SELECT count(*) FROM registrations WHERE starts_with(region_code, '410105')`); got != 0 {
		t.Errorf("%d rows of a refused folder landed", got)
	}
}

// TestExtractFolderTakesTheOfficesSpellings: an extract folder rolled up
// is read with the province's enlist.yaml spellings (columns: and
// values:), as enlist ingest reads the same files; without them its
// quota header is refused and nothing of the folder lands.
func TestExtractFolderTakesTheOfficesSpellings(t *testing.T) {
	dir, opt := setup(t)
	ctx := context.Background()
	folder := writeFolder(t, filepath.Join(dir, "410104"), map[string]string{
		"quota.csv": "年度,批次,区划代码,今年兵员指标数\n2025,上半年,410104,4\n",
		"reg.csv":   regHead + "\n" + reg(c[0], "410104001", "大本", "是") + "\n" + reg(c[1], "410104001", "本科", "是") + "\n",
	})
	prov := filepath.Join(dir, "henan.duckdb")
	if _, err := Run(ctx, prov, []string{folder}, opt); err == nil || !strings.Contains(err.Error(), "今年兵员指标数") {
		t.Fatalf("without the spellings the quota header should be refused by name: %v", err)
	}
	cfg, err := config.Default()
	if err != nil {
		t.Fatal(err)
	}
	cfg.Columns = map[string]map[string]string{"quotas": {"今年兵员指标数": "quota"}}
	cfg.Values = map[string]map[string]string{"education": {"大本": "bachelor"}}
	opt.Config = &cfg
	rep, err := Run(ctx, prov, []string{folder}, opt)
	if err != nil {
		t.Fatalf("with enlist.yaml's spellings: %v", err)
	}
	if o := rep.Outcomes[0]; o.Loads != 2 || o.Rows != 3 {
		t.Errorf("outcome %+v, want 2 loads of 3 rows", o)
	}
	if got := count(t, prov, `SELECT sum(quota) FROM quotas WHERE region_code = '410104'`); got != 4 {
		t.Errorf("quota = %d, want 4", got)
	}
	if got := count(t, prov, `SELECT count(*) FROM registrations WHERE education = 'bachelor'`); got != 2 {
		t.Errorf("bachelors = %d, want 2 (大本 is the office's spelling of 本科)", got)
	}
	if got := count(t, prov, `SELECT count(*) FROM row_flags`); got != 0 {
		t.Errorf("%d warnings, want none", got)
	}
}

// TestFailureMidRollupLeavesProvinceAsItWas: a source whose rows the
// province cannot take fails in the middle of the copy, after the earlier
// delivery's rows were deleted; the whole rollup rolls back.
func TestFailureMidRollupLeavesProvinceAsItWas(t *testing.T) {
	dir, opt := setup(t)
	ctx := context.Background()
	pa := county(t, filepath.Join(dir, "410102.duckdb"), countyA())
	pb := county(t, filepath.Join(dir, "410103.duckdb"), countyB())
	prov := filepath.Join(dir, "henan.duckdb")
	if _, err := Run(ctx, prov, []string{pa, pb}, opt); err != nil {
		t.Fatal(err)
	}
	before := checksums(t, prov)
	// County B changes (a new load) and county A's file is damaged: a
	// registration without a person, which the province refuses.
	county(t, pb, map[string]string{"quota2.csv": "年度,批次,区划代码,征集任务数\n2025,下半年,410103,3\n"})
	wh, err := warehouse.Open(ctx, pa, warehouse.Options{Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := wh.DB().Exec(`ALTER TABLE registrations ALTER COLUMN person DROP NOT NULL;
		INSERT INTO registrations SELECT load_id, 99, NULL, gender, birth_year, id_county, region_code, education, student_status,
			major_category, school, ethnicity, registered_on, applied, year, season FROM registrations LIMIT 1;
		UPDATE load_ledger SET rows_accepted = rows_accepted + 1 WHERE kind = 'registrations'`); err != nil {
		t.Fatal(err)
	}
	if err := wh.Close(); err != nil {
		t.Fatal(err)
	}
	rep, err := Run(ctx, prov, []string{pb, pa}, opt)
	if err == nil {
		t.Fatal("damaged source accepted")
	}
	if !strings.Contains(err.Error(), "copy registrations") {
		t.Errorf("want the copy to fail at registrations, after the earlier delivery was removed: %v", err)
	}
	t.Log(err)
	for _, o := range rep.Outcomes {
		if o.Status != "refused" {
			t.Errorf("%s: %s after a rollback", o.Source, o.Status)
		}
	}
	sameChecksums(t, prov, before, "failed rollup")
}

func TestExportReadsBack(t *testing.T) {
	dir, opt := setup(t)
	ctx := context.Background()
	pa := county(t, filepath.Join(dir, "410102.duckdb"), countyA())
	// An examination of someone registered nowhere (an orphan) has no
	// province; it goes to province=unknown.
	files := countyB()
	files["phys.csv"] += exam(idnum.Make("410105", born, 51), "体检", "2025-02-11", "合格") + "\n"
	pb := county(t, filepath.Join(dir, "410103.duckdb"), files)
	prov := filepath.Join(dir, "henan.duckdb")
	if _, err := Run(ctx, prov, []string{pa, pb}, opt); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "parquet")
	wh := openRO(t, prov)
	defer wh.Close()
	for round := 0; round < 2; round++ { // a second export replaces the first
		note, err := export.Write(ctx, wh.DB(), out, export.Options{Warehouse: prov, ReadFrom: prov})
		if err != nil {
			t.Fatal(err)
		}
		if len(note.Kinds) != 6 { // the five data kinds and the university lists
			t.Fatalf("kinds %+v", note.Kinds)
		}
		for _, w := range note.Kinds {
			var want int64
			if err := wh.DB().QueryRow(`SELECT count(*) FROM ` + w.Kind).Scan(&want); err != nil {
				t.Fatal(err)
			}
			if w.Rows != want {
				t.Errorf("%s: note says %d rows, warehouse has %d", w.Kind, w.Rows, want)
			}
			var got int64
			if want > 0 {
				glob := filepath.Join(out, "kind="+w.Kind, "**", "*.parquet")
				if err := wh.DB().QueryRow(`SELECT count(*) FROM read_parquet(?, hive_partitioning = true)`, glob).Scan(&got); err != nil {
					t.Fatal(err)
				}
			}
			if got != want {
				t.Errorf("%s: read back %d rows, want %d", w.Kind, got, want)
			}
		}
	}
	for _, p := range []string{"kind=registrations/year=2025/province=41", "kind=exams/year=2025/province=41",
		"kind=approvals/year=2025/province=41", "kind=quotas/year=2025/province=41", "kind=resettlement", export.NoteFile,
		"kind=exams/year=2025/province=unknown"} {
		if _, err := os.Stat(filepath.Join(out, p)); err != nil {
			t.Errorf("missing %s: %v", p, err)
		}
	}
	// The hive columns come back, and no identity number went out.
	var n int
	glob := filepath.Join(out, "kind=*", "**", "*.parquet")
	if err := wh.DB().QueryRow(`SELECT count(*) FROM read_parquet(?, hive_partitioning = true, union_by_name = true) t
		WHERE kind = 'registrations' AND year = 2025 AND province = '41'`, glob).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 7 {
		t.Errorf("registrations by hive columns = %d, want 7", n)
	}
	for _, id := range append(append([]string{}, a...), b...) {
		if err := wh.DB().QueryRow(`SELECT count(*) FROM read_parquet(?, hive_partitioning = true, union_by_name = true) t
			WHERE contains(t::VARCHAR, ?) OR contains(t::VARCHAR, ?)`, glob, id, id[:14]).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("an identity number reached the export")
		}
	}
	leftovers, _ := filepath.Glob(filepath.Join(out, ".*"))
	if len(leftovers) != 0 {
		t.Errorf("leftovers: %v", leftovers)
	}
}
