// Package testkit is what the reliability tests share: the enlist binary
// built once per test process, warehouse fingerprints, memory sampling and
// generated extracts. It is imported by tests only.
package testkit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"enlist/internal/warehouse"
	"enlist/reports/assets"
)

// TableChecksums fingerprints every base table of an open warehouse: row
// count and an MD5 over its rows in a fixed order. Two warehouses hold the
// same data exactly when their fingerprints are equal.
func TableChecksums(t testing.TB, wh *warehouse.Warehouse) map[string]string {
	t.Helper()
	return checksums(t, wh, true)
}

// checksums is TableChecksums, leaving out TIMESTAMP columns unless
// timestamps is set: when a load or a run started differs between two runs
// that store the same data.
func checksums(t testing.TB, wh *warehouse.Warehouse, timestamps bool) map[string]string {
	t.Helper()
	rows, err := wh.DB().Query(`SELECT c.table_name, list(c.column_name ORDER BY c.ordinal_position)
		FROM information_schema.columns c JOIN information_schema.tables t
		  ON t.table_schema = c.table_schema AND t.table_name = c.table_name
		WHERE c.table_schema = 'main' AND t.table_type = 'BASE TABLE' AND (? OR c.data_type NOT LIKE 'TIMESTAMP%')
		GROUP BY c.table_name ORDER BY c.table_name`, timestamps)
	if err != nil {
		t.Fatalf("list tables: %v", err)
	}
	type table struct {
		name string
		cols []string
	}
	var tables []table
	for rows.Next() {
		var name string
		var cols []any
		if err := rows.Scan(&name, &cols); err != nil {
			t.Fatal(err)
		}
		tb := table{name: name}
		for _, c := range cols {
			tb.cols = append(tb.cols, `"`+fmt.Sprint(c)+`"::VARCHAR`)
		}
		tables = append(tables, tb)
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, tb := range tables {
		var n int
		var sum string
		q := `SELECT count(*), coalesce(md5(string_agg(x, '|' ORDER BY x)), '') FROM
			(SELECT list_value(` + strings.Join(tb.cols, ", ") + `)::VARCHAR AS x FROM main."` + tb.name + `")`
		if err := wh.DB().QueryRow(q).Scan(&n, &sum); err != nil {
			t.Fatalf("checksum %s: %v", tb.name, err)
		}
		out[tb.name] = fmt.Sprint(n, ":", sum)
	}
	return out
}

// DiffChecksums names the tables whose fingerprints differ.
func DiffChecksums(a, b map[string]string) []string {
	var out []string
	for k, v := range a {
		if b[k] != v {
			out = append(out, k)
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// Fingerprint folds table checksums into one comparable string.
func Fingerprint(c map[string]string) string {
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	h := sha256.New()
	for _, k := range keys {
		fmt.Fprintf(h, "%s=%s;", k, c[k])
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// State opens a warehouse file the way every writer does (read-write,
// which replays a write-ahead log a killed process left) and fingerprints
// its data. Timestamps (when a load or a run started) are left out: they
// differ between two runs that store the same data. So are the warnings
// between files a writer keeps (season_warnings): they are derived from the
// data, after its commit, and read only while they still match it, so a
// kill between the two leaves them behind the data without any reader
// seeing a wrong list; KeptWarningsCurrent checks that a writer mended
// them.
func State(t testing.TB, path string, readOnly bool) string {
	t.Helper()
	return StateWithout(t, path, readOnly, nil)
}

// StateWithout is State leaving out the tables named in skip (the
// service's own run records, say, which a killed run leaves behind).
func StateWithout(t testing.TB, path string, readOnly bool, skip map[string]bool) string {
	t.Helper()
	ctx := context.Background()
	wh, err := warehouse.Open(ctx, path, warehouse.Options{Threads: 2, ReadOnly: readOnly, LockWait: -1})
	if err != nil {
		t.Fatalf("the warehouse %s does not open: %v", path, err)
	}
	defer func() {
		if err := wh.Close(); err != nil {
			t.Fatalf("close %s: %v", path, err)
		}
	}()
	sums := checksums(t, wh, false)
	for k := range skip {
		delete(sums, k)
	}
	// The tables of the warnings between files the writers keep
	// (warehouse.KeepSeasonWarnings).
	delete(sums, "season_warnings")
	delete(sums, "season_warnings_state")
	return Fingerprint(sums)
}

// KeptWarningsCurrent fails t unless every season of the warehouse at path
// has its warnings between files kept and current, as a writer leaves
// them (warehouse.SeasonWarningsKept).
func KeptWarningsCurrent(t testing.TB, path string) {
	t.Helper()
	ctx := context.Background()
	wh, err := warehouse.Open(ctx, path, warehouse.Options{Threads: 2, ReadOnly: true, LockWait: -1})
	if err != nil {
		t.Fatalf("the warehouse %s does not open: %v", path, err)
	}
	defer wh.Close()
	rows, err := wh.DB().QueryContext(ctx, `SELECT DISTINCT year, season FROM (
		SELECT year, season FROM registrations UNION ALL SELECT year, season FROM exams
		UNION ALL SELECT year, season FROM approvals) ORDER BY ALL`)
	if err != nil {
		t.Fatal(err)
	}
	var seasons []warehouse.Season
	for rows.Next() {
		var s warehouse.Season
		if err := rows.Scan(&s.Year, &s.Season); err != nil {
			t.Fatal(err)
		}
		seasons = append(seasons, s)
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	for _, s := range seasons {
		kept, err := warehouse.SeasonWarningsKept(ctx, wh.DB(), s.Year, s.Season)
		if err != nil {
			t.Fatal(err)
		}
		if !kept {
			t.Errorf("%s: the warnings between files of %d season %d are not kept as they are now", path, s.Year, s.Season)
		}
	}
}

// PublishedState fingerprints the copy readers open (the current symlink),
// read-only as they open it; "" when nothing is published.
func PublishedState(t testing.TB, live string) string {
	t.Helper()
	return PublishedStateWithout(t, live, nil)
}

// PublishedStateWithout is PublishedState leaving out the tables in skip.
func PublishedStateWithout(t testing.TB, live string, skip map[string]bool) string {
	t.Helper()
	p, err := warehouse.PublishedPath(live)
	if err != nil {
		t.Fatalf("published copy of %s: %v", live, err)
	}
	if p == "" {
		return ""
	}
	return StateWithout(t, p, true, skip)
}

// MemWatch samples the Go heap and the process's resident memory while a
// step runs, so that a test can bound what one hostile file costs. Go's
// heap is sampled often; DuckDB's own memory is outside it, hence the RSS.
type MemWatch struct {
	baseHeap, baseRSS uint64
	peakHeap, peakRSS uint64
	stop              chan struct{}
	done              sync.WaitGroup
	mu                sync.Mutex
}

func WatchMemory() *MemWatch {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	w := &MemWatch{baseHeap: ms.HeapInuse, baseRSS: rss(), stop: make(chan struct{})}
	w.peakHeap, w.peakRSS = w.baseHeap, w.baseRSS
	w.done.Add(1)
	go func() {
		defer w.done.Done()
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			w.sample()
			select {
			case <-w.stop:
				return
			case <-tick.C:
			}
		}
	}()
	return w
}

func (w *MemWatch) sample() {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	r := rss()
	w.mu.Lock()
	defer w.mu.Unlock()
	w.peakHeap = max(w.peakHeap, ms.HeapInuse)
	w.peakRSS = max(w.peakRSS, r)
}

// End stops sampling and returns the peak growth of the heap and the RSS
// over the start, in bytes.
func (w *MemWatch) End() (heap, rssGrowth uint64) {
	close(w.stop)
	w.done.Wait()
	w.sample()
	sub := func(a, b uint64) uint64 {
		if a < b {
			return 0
		}
		return a - b
	}
	return sub(w.peakHeap, w.baseHeap), sub(w.peakRSS, w.baseRSS)
}

// rss is the resident set size of this process, from /proc (Linux).
func rss() uint64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseUint(f[1], 10, 64)
	return pages * uint64(os.Getpagesize())
}

func MiB(b uint64) float64 { return float64(b) / (1 << 20) }

// The enlist binary, built once per test process and shared by the tests
// that run it as an operator would.
var (
	binOnce sync.Once
	binPath string
	binErr  error
)

func Binary(t testing.TB) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "enlist-reliability-")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "enlist")
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "go", "build", "-tags", "duckdb_arrow", "-o", binPath, "enlist/cmd/enlist")
		if out, err := cmd.CombinedOutput(); err != nil {
			binErr = fmt.Errorf("go build: %w\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// HasPage reports whether the binary writes the HTML bulletin: it needs the
// ECharts bundle built in (make assets). Without it a test fails when CI is
// set, as a missing browser does, and otherwise goes on without the page.
func HasPage(t testing.TB) bool {
	t.Helper()
	if _, err := assets.ECharts(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%v (CI is set)", err)
		}
		t.Logf("no HTML page to check: %v", err)
		return false
	}
	return true
}

// Cleanup removes the binary Binary built; call it from TestMain after
// m.Run.
func Cleanup() {
	if binPath != "" {
		os.RemoveAll(filepath.Dir(binPath))
	}
}
