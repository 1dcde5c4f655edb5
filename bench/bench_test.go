package bench

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"enlist/internal/idnum"
	"enlist/internal/reliability/testkit"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testkit.Cleanup()
	os.Exit(code)
}

func python(t *testing.T) string {
	t.Helper()
	p := "/usr/bin/python3"
	if err := exec.Command(p, "-c", "import pandas, openpyxl").Run(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("the peer needs pandas and openpyxl under %s: %v (CI is set)", p, err)
		}
		t.Skipf("no pandas and openpyxl under %s: %v", p, err)
	}
	return p
}

// TestRunSmallProvince runs every scenario but the large one on a small
// province: the ratios are all measured, every step of ours has its peak
// memory, and the peer's per-county figures equal ours (Run fails
// otherwise), before and after the week's deliveries.
func TestRunSmallProvince(t *testing.T) {
	if testing.Short() {
		t.Skip("runs enlist and the peer on a generated province")
	}
	py := python(t)
	dir := t.TempDir()
	rep, err := Run(context.Background(), Options{Registrations: 3000, Runs: 1, Dir: dir, Exe: testkit.Binary(t), Python: py})
	if err != nil {
		t.Fatal(err)
	}
	for name, v := range map[string]float64{
		"ingest_vs_limit": rep.IngestVsLimit, "gb18030_vs_limit": rep.GB18030VsLimit, "typed_vs_limit": rep.TypedVsLimit,
		"cold_speedup_vs_peer": rep.ColdSpeedupVsPeer, "weekly_speedup_vs_peer": rep.WeeklySpeedupVsPeer,
		"cold_ingest_vs_limit": rep.ColdIngestVsLimit,
	} {
		if v <= 0 {
			t.Errorf("%s = %v, want a measured ratio", name, v)
		}
	}
	// Henan has about 150 counties with towns; every one is compared.
	if rep.CountiesCompared < 150 {
		t.Errorf("compared %d counties, want every county of the province", rep.CountiesCompared)
	}
	if rep.PeakRSSBytes < 10<<20 {
		t.Errorf("peak RSS %d bytes: not read from the processes' rusage", rep.PeakRSSBytes)
	}
	sides := map[Side]int{}
	for _, s := range rep.Steps {
		sides[s.Side]++
		if s.Side != Setup && (s.Seconds <= 0 || s.PeakRSSBytes <= 0) {
			t.Errorf("step %s/%s: %.3f s, %d bytes", s.Scenario, s.Name, s.Seconds, s.PeakRSSBytes)
		}
	}
	if sides[Limit] != 3 || sides[Peer] != 2 || sides[Ours] != 6 {
		t.Errorf("steps by side %v, want 3 limit (the roll's two, every extract), 2 peer, 6 of ours", sides)
	}
	// The peer wrote its bulletin of the counties.
	if _, err := os.Stat(filepath.Join(dir, "weekly_peer", "counties.xlsx")); err != nil {
		t.Error(err)
	}
}

// TestRunCancelled: an interrupt (Ctrl-C) stops the running step and the
// run within seconds, with the cancellation as its error.
func TestRunCancelled(t *testing.T) {
	if testing.Short() {
		t.Skip("runs enlist on a generated province")
	}
	py := python(t)
	ctx, cancel := context.WithCancel(context.Background())
	started := make(chan struct{}, 1)
	var once bool
	opt := Options{Registrations: 20000, Runs: 1, Dir: t.TempDir(), Exe: testkit.Binary(t), Python: py,
		Progress: func(s string) {
			if !once && strings.HasPrefix(s, "cold:") {
				once = true
				started <- struct{}{}
			}
		}}
	done := make(chan error, 1)
	go func() { _, err := Run(ctx, opt); done <- err }()
	select {
	case <-started:
	case err := <-done:
		t.Fatalf("run ended before the cold load: %v", err)
	case <-time.After(5 * time.Minute):
		t.Fatal("the cold load never started")
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("error %v, want context.Canceled", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("still running 15 s after the interrupt")
	}
}

// TestCompareFigures: equal figures pass; one county's difference fails
// with the county, the figure and both values; a county present on one
// side only passes only when all its figures are zero.
func TestCompareFigures(t *testing.T) {
	fig := func(registered, approved string) map[string]string {
		m := map[string]string{}
		for _, f := range Figures {
			m[f] = "0"
		}
		m["registered"], m["approved"] = registered, approved
		return m
	}
	ours := countyFigures{"410102": fig("48", "2"), "410103": fig("76", "2"), "410104": fig("0", "0")}
	peer := countyFigures{"410102": fig("48", "2"), "410103": fig("76", "2")}
	if n, err := compareFigures(ours, peer); err != nil || n != 2 {
		t.Fatalf("equal figures: %d compared, %v", n, err)
	}
	peer["410103"] = fig("76", "3")
	_, err := compareFigures(ours, peer)
	if !errors.Is(err, errFigures) || !strings.Contains(err.Error(), "county 410103 approved: ours 2, peer's 3") {
		t.Fatalf("differing approvals: %v", err)
	}
	peer["410103"] = fig("76", "2")
	delete(peer, "410102")
	if _, err := compareFigures(ours, peer); !errors.Is(err, errFigures) || !strings.Contains(err.Error(), "county 410102") {
		t.Fatalf("a county missing from the peer: %v", err)
	}
}

// TestWeek: the week's deliveries hold every earlier row of the three
// counties, 2 % new people with valid and unique identity numbers dated in
// the week up to the as-of date, and exam sheets whose new rows are those
// people's.
func TestWeek(t *testing.T) {
	dir := t.TempDir()
	province, week := filepath.Join(dir, "p"), filepath.Join(dir, "w")
	if _, err := generate(context.Background(), province, 20000, func(string) {}); err != nil {
		t.Fatal(err)
	}
	counties, err := writeWeek(province, week)
	if err != nil {
		t.Fatal(err)
	}
	if len(counties) != 3 || counties[0][:4] == counties[1][:4] || counties[1][:4] == counties[2][:4] {
		t.Fatalf("counties %v: want three, in different cities", counties)
	}
	for _, c := range counties {
		city, err := readCSV(filepath.Join(province, "registrations", c[:4]+"_2025_s2.csv"))
		if err != nil {
			t.Fatal(err)
		}
		before := 0
		ids := map[string]bool{}
		for _, r := range city.rows {
			ids[r[city.col("身份证号")]] = true
			if strings.HasPrefix(r[city.col("区划代码")], c) {
				before++
			}
		}
		got, err := readCSV(filepath.Join(week, "registrations", c+"_2025_s2.csv"))
		if err != nil {
			t.Fatal(err)
		}
		fresh := 0
		for _, r := range got.rows {
			id := r[got.col("身份证号")]
			if _, err := idnum.Parse(id); err != nil {
				t.Errorf("%s: %s: %v", c, idnum.Mask(id), err)
			}
			if ids[id] {
				continue
			}
			fresh++
			if on := r[got.col("登记日期")]; on < "2025-08-25" || on > AsOf {
				t.Errorf("new registration dated %s, want the week up to %s", on, AsOf)
			}
		}
		if len(got.rows) != before+fresh || fresh != max(1, before/50) {
			t.Errorf("%s: %d rows = %d earlier + %d new, want 2 %% new", c, len(got.rows), before, fresh)
		}
		phys, err := readCSV(filepath.Join(week, "exams", c+"_2025_s2_physical.csv"))
		if err != nil {
			t.Fatal(err)
		}
		newExams := 0
		for _, r := range phys.rows {
			if !ids[r[phys.col("身份证号")]] {
				newExams++
			}
		}
		if newExams != fresh {
			t.Errorf("%s: %d physical results of new people, want %d", c, newExams, fresh)
		}
	}
}

// TestRollAndLimit: the roll holds every registration of the province
// under one header, in UTF-8 and GB18030; the limit stores it all as text,
// the typed form only what enlist stores (no name, a 16-byte key).
func TestRollAndLimit(t *testing.T) {
	dir := t.TempDir()
	province := filepath.Join(dir, "p")
	m, err := generate(context.Background(), province, 2000, func(string) {})
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for _, f := range m.Files {
		if f.Kind == "registrations" {
			want += f.Rows
		}
	}
	roll, gb := filepath.Join(dir, "roll.csv"), filepath.Join(dir, "gb.csv")
	if err := writeRoll(province, roll, gb); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(roll)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(b), "\n"); n != want+1 || strings.Count(string(b), "身份证号") != 1 {
		t.Fatalf("roll has %d lines and %d headers, want %d rows under one header", n, strings.Count(string(b), "身份证号"), want)
	}
	g, err := os.ReadFile(gb)
	if err != nil {
		t.Fatal(err)
	}
	if len(g) >= len(b) || strings.Contains(string(g), "身份证号") {
		t.Fatalf("GB18030 roll (%d bytes) is not the UTF-8 one (%d bytes) re-encoded", len(g), len(b))
	}
	ctx := context.Background()
	for _, form := range []string{LimitVarchar, LimitTyped} {
		rows, err := RunLimit(ctx, form, roll, filepath.Join(dir, form+".duckdb"), 2, "")
		if err != nil {
			t.Fatal(err)
		}
		if rows != int64(want) {
			t.Errorf("%s: %d rows, want %d", form, rows, want)
		}
	}
	if _, err := RunLimit(ctx, "bogus", roll, filepath.Join(dir, "x.duckdb"), 0, ""); err == nil {
		t.Error("an unknown form was accepted")
	}
}

// TestPeerQuotaIsTheGeneralTrack: a county's quota file with a women's
// (女兵) row beside its general (男兵) row, as offices send them; the
// peer's quota is the general row's, as enlist's metrics quota is (a
// women's quota is a quota of its own), and a second general row of the
// county in a later file replaces the first.
func TestPeerQuotaIsTheGeneralTrack(t *testing.T) {
	py := python(t)
	dir := t.TempDir()
	province := filepath.Join(dir, "province")
	if _, err := generate(context.Background(), province, 3000, func(string) {}); err != nil {
		t.Fatal(err)
	}
	extra := "年度,批次,区划代码,区划名称,征集类别,征集任务数\n" +
		"2025,2,410102,中原区,女兵,9000\n" +
		"2025,2,410103,二七区,男兵,321\n" +
		"2025,2,410103,二七区,女兵,8000\n"
	if err := os.WriteFile(filepath.Join(province, "quotas", "zz_tracks.csv"), []byte(extra), 0o644); err != nil {
		t.Fatal(err)
	}
	quotas, err := readCSV(filepath.Join(province, "quotas", "41_2025.csv"))
	if err != nil {
		t.Fatal(err)
	}
	general := ""
	for _, r := range quotas.rows {
		if r[quotas.col("区划代码")] == "410102" && r[quotas.col("批次")] == "2" && r[quotas.col("征集类别")] != "女兵" {
			general = r[quotas.col("征集任务数")]
		}
	}
	if general == "" {
		t.Fatal("the generated quotas have no general row for 410102 in season 2")
	}
	out := filepath.Join(dir, "peer")
	b := &bench{opt: Options{Python: py}}
	argv := b.peer(filepath.Join(dir, "peer.py"), out, province)
	if err := os.WriteFile(argv[1], PeerScript(), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), "ENLIST_SECRET="+benchSecret)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("peer: %v\n%s", err, msg)
	}
	fig, err := readFigures(filepath.Join(out, "figures.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if got := fig["410102"]["quota"]; got != general {
		t.Errorf("410102 quota %s, want the general row's %s (not the women's 9000, nor a sum)", got, general)
	}
	if got := fig["410103"]["quota"]; got != "321" {
		t.Errorf("410103 quota %s, want 321 from the later general row", got)
	}
}
