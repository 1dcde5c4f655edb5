package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"enlist/internal/idnum"
	"enlist/internal/secret"
	"enlist/internal/warehouse"
)

// sqlWarehouse is a warehouse holding two quota rows (410102: 120,
// 410103: 80), loaded and published by enlist ingest.
func sqlWarehouse(t *testing.T) (dir, db string) {
	t.Helper()
	t.Setenv(secret.EnvVar, "")
	dir = t.TempDir()
	db = filepath.Join(dir, "w.duckdb")
	csv := filepath.Join(dir, "q.csv")
	if err := os.WriteFile(csv, []byte("年度,批次,区划代码,征集任务数\n2025,上半年,410102,120\n2025,上半年,410103,80\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := enlist(t, "--db", db, "init"); code != exitOK {
		t.Fatalf("init: %d %q %q", code, out, errs)
	}
	if code, out, errs := enlist(t, "--db", db, "ingest", csv); code != exitOK {
		t.Fatalf("ingest: %d %q %q", code, out, errs)
	}
	return dir, db
}

const quotaQuery = "SELECT region_code, quota, quota / 160 AS share FROM quotas ORDER BY region_code"

func TestSQLFormats(t *testing.T) {
	dir, db := sqlWarehouse(t)
	cases := []struct {
		format, want string
	}{
		{"table", "region_code  quota  share\n410102         120   0.75\n410103          80    0.5\n"},
		{"csv", "region_code,quota,share\n410102,120,0.75\n410103,80,0.5\n"},
		{"json", "[\n  {\"region_code\": \"410102\", \"quota\": 120, \"share\": 0.75},\n  {\"region_code\": \"410103\", \"quota\": 80, \"share\": 0.5}\n]\n"},
	}
	for _, c := range cases {
		code, out, errs := enlist(t, "--db", db, "sql", "--format", c.format, quotaQuery)
		if code != exitOK || out != c.want {
			t.Errorf("--format %s: exit %d, stderr %q\n got %q\nwant %q", c.format, code, errs, out, c.want)
		}
	}
	// The query from a file; the result into a file, the format from its name.
	qf := filepath.Join(dir, "q.sql")
	os.WriteFile(qf, []byte("-- quotas by county\n"+quotaQuery+";\n"), 0o644)
	outCSV := filepath.Join(dir, "out.csv")
	if code, out, errs := enlist(t, "--db", db, "sql", "-f", qf, "--out", outCSV); code != exitOK || out != "" {
		t.Fatalf("-f --out: %d %q %q", code, out, errs)
	}
	if b, _ := os.ReadFile(outCSV); string(b) != cases[1].want {
		t.Errorf("out.csv = %q", b)
	}
	xlsx := filepath.Join(dir, "out.xlsx")
	if code, _, errs := enlist(t, "--db", db, "sql", "--out", xlsx, "SELECT region_code, quota, '=1+1' AS note FROM quotas ORDER BY 1"); code != exitOK {
		t.Fatalf("xlsx: %d %q", code, errs)
	}
	x, err := excelize.OpenFile(xlsx)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	rows, err := x.GetRows(x.GetSheetName(0))
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(rows) != "[[region_code quota note] [410102 120 =1+1] [410103 80 =1+1]]" {
		t.Errorf("xlsx rows %q", rows)
	}
	if f, _ := x.GetCellFormula(x.GetSheetName(0), "C2"); f != "" {
		t.Errorf("C2 is the formula %q", f)
	}
	// DuckDB's DECIMAL literals and HUGEINT sums come out as plain numbers.
	code, out, errs := enlist(t, "--db", db, "sql", "--format", "json", "SELECT 0.75 AS share, sum(quota) AS total, 12345678901234567890.5 AS wide FROM quotas")
	if want := "[\n  {\"share\": 0.75, \"total\": 200, \"wide\": \"12345678901234567890.5\"}\n]\n"; code != exitOK || out != want {
		t.Errorf("json numbers: %d %q %q, want %q", code, out, errs, want)
	}
	// A result longer than --max-rows fails rather than filling memory.
	code, out, errs = enlist(t, "--db", db, "sql", "--max-rows", "1", quotaQuery)
	if code != exitFailure || out != "" || !strings.Contains(errs, "more than 1 rows") || !strings.Contains(errs, "--max-rows") {
		t.Errorf("--max-rows 1: %d %q %q", code, out, errs)
	}
	if code, out, _ := enlist(t, "--db", db, "sql", "--max-rows", "2", "--format", "csv", quotaQuery); code != exitOK || out != cases[1].want {
		t.Errorf("--max-rows 2: %d %q", code, out)
	}
	// Session variables from the command line.
	code, out, errs = enlist(t, "--db", db, "sql", "--var", "as_of=2025/3/5", "--var", "season=1", "--format", "csv",
		"SELECT getvariable('as_of') AS as_of, getvariable('season') AS season")
	if code != exitOK || out != "as_of,season\n2025-03-05,1\n" {
		t.Errorf("--var: %d %q %q", code, out, errs)
	}
	// A variable no model reads, or a value that is no date, stops the
	// query before it runs.
	for v, want := range map[string]string{
		"who=O'Brien":      `--var who: unknown variable "who": the models read as_of, year, season`,
		"as_of=2025-02-30": `--var as_of: variable as_of = "2025-02-30": not a date`,
		"season=3":         `--var season: variable season = "3"`,
	} {
		code, out, errs = enlist(t, "--db", db, "sql", "--var", v, "SELECT 1")
		if code != exitFailure || out != "" || !strings.Contains(errs, want) {
			t.Errorf("--var %s: %d %q %q, want %q", v, code, out, errs, want)
		}
	}
}

// TestSQLRefusedAtTheCommand: a refused query fails with exit 1 and a
// message naming what was refused, and changes nothing.
func TestSQLRefusedAtTheCommand(t *testing.T) {
	dir, db := sqlWarehouse(t)
	leak := filepath.Join(dir, "leak.csv")
	for q, want := range map[string]string{
		"SELECT 1; DROP TABLE quotas":                         "refused DROP TABLE (statement 2 of 2)",
		"SELECT 1 /* ; */; DROP TABLE quotas":                 "refused DROP TABLE (statement 2 of 2)",
		"DELETE FROM quotas":                                  "refused DELETE",
		"COPY quotas TO '" + leak + "'":                       "refused COPY",
		"SELECT * FROM read_csv('/etc/passwd')":               "refused table function read_csv",
		"SELECT getenv('HOME')":                               "refused function getenv",
		"PRAGMA enable_profiling":                             "refused PRAGMA",
		"SELECT * FROM '" + filepath.Join(dir, "q.csv") + "'": "reading files is not allowed",
	} {
		code, out, errs := enlist(t, "--db", db, "sql", q)
		if code != exitFailure || out != "" || !strings.Contains(errs, want) {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want %q", q, code, out, errs, want)
		}
	}
	if _, err := os.Stat(leak); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s exists: %v", leak, err)
	}
	code, out, _ := enlist(t, "--db", db, "sql", "--format", "csv", "SELECT count(*) AS n FROM quotas")
	if code != exitOK || out != "n\n2\n" {
		t.Errorf("quotas after refusals: %d %q", code, out)
	}
	// Usage errors.
	for _, args := range [][]string{
		{"sql", "--format", "pdf", "SELECT 1"},
		{"sql", "-f", "x.sql", "SELECT 1"},
		{"sql", "--var", "1x=2", "SELECT 1"},
		{"sql", "--timeout", "-1s", "SELECT 1"},
		{"schema", "a", "b"},
		{"schema", "--format", "xlsx"},
	} {
		if code, _, _ := enlist(t, append([]string{"--db", db}, args...)...); code != exitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, exitUsage)
		}
	}
}

func TestSQLTimeout(t *testing.T) {
	_, db := sqlWarehouse(t)
	start := time.Now()
	code, _, errs := enlist(t, "--db", db, "sql", "--timeout", "300ms", "SELECT sum(hash(i)) FROM range(1000000000000) t(i)")
	took := time.Since(start)
	if code != exitFailure || !strings.Contains(errs, "query cancelled: --timeout 300ms reached") {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	if took > 10*time.Second {
		t.Errorf("the timeout took %v to stop the query", took)
	}
}

func TestSchemaCommand(t *testing.T) {
	_, db := sqlWarehouse(t)
	code, out, errs := enlist(t, "--db", db, "schema")
	if code != exitOK || !strings.Contains(out, "metrics ") || !strings.Contains(out, "征兵工作指标") ||
		!strings.Contains(out, "quotas ") || strings.Contains(out, "schema_version") {
		t.Fatalf("schema: %d %q %q", code, out, errs)
	}
	code, out, errs = enlist(t, "--db", db, "schema", "metrics")
	if code != exitOK || !strings.HasPrefix(out, "metrics (view)\n征兵工作指标") ||
		!strings.Contains(out, "region_code") || !strings.Contains(out, "区划代码") || !strings.Contains(out, "体检合格率") {
		t.Fatalf("schema metrics: %d %q %q", code, out, errs)
	}
	code, out, _ = enlist(t, "--db", db, "schema", "--format", "csv", "quotas")
	if code != exitOK || !strings.HasPrefix(out, "column,type,nullable,comment\nload_id,BIGINT,false,批次号\n") {
		t.Errorf("schema quotas csv: %d %q", code, out)
	}
	if code, _, errs := enlist(t, "--db", db, "schema", "nope"); code != exitFailure || !strings.Contains(errs, "no such table, view or macro: nope") {
		t.Errorf("schema nope: %d %q", code, errs)
	}
	// Macros: listed with their parameters, described with the columns
	// they return and the comments of the view that documents them.
	code, out, errs = enlist(t, "--db", db, "schema")
	for _, m := range []string{"metrics_at(as_of, y, s)", "counts_at(as_of, y, s)", "person_facts_at(as_of, y, s)", "approvals_by_week_at(as_of, y, s)", "registration_key("} {
		if code != exitOK || !strings.Contains(out, m) {
			t.Errorf("schema lacks %s: %d %q", m, code, errs)
		}
	}
	code, out, errs = enlist(t, "--db", db, "schema", "metrics_at")
	if code != exitOK || !strings.HasPrefix(out, "metrics_at(as_of, y, s) (table macro)\n征兵工作指标: the metrics view for any date") ||
		!strings.Contains(out, "columns documented as in the view metrics") || !strings.Contains(out, "体检合格率") {
		t.Errorf("schema metrics_at: %d %q %q", code, out, errs)
	}
}

// enlistBinary builds the command for the tests that need a separate
// process (standard input, signals, a concurrent writer).
func enlistBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "enlist")
	cmd := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-tags", "duckdb_arrow", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build enlist: %v\n%s", err, out)
	}
	return bin
}

// output collects a pipe's bytes and lets a test wait for a text to appear.
type output struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{}
	done    chan struct{} // closed once the reader has ended
}

func collect(r io.Reader) *output {
	o := &output{changed: make(chan struct{}, 1), done: make(chan struct{})}
	go func() {
		defer close(o.done)
		b := make([]byte, 4096)
		for {
			n, err := r.Read(b)
			o.mu.Lock()
			o.buf.Write(b[:n])
			o.mu.Unlock()
			select {
			case o.changed <- struct{}{}:
			default:
			}
			if err != nil {
				return
			}
		}
	}()
	return o
}

func (o *output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}

// all is everything read once the reader has ended (a terminal's output
// arrives after its program has exited), failing after limit.
func (o *output) all(t *testing.T, limit time.Duration) string {
	t.Helper()
	select {
	case <-o.done:
	case <-time.After(limit):
		t.Fatalf("the output did not end within %v; have %q", limit, o.String())
	}
	return o.String()
}

// waitFor returns once s has appeared after offset from, failing after limit.
func (o *output) waitFor(t *testing.T, s string, from int, limit time.Duration) int {
	t.Helper()
	deadline := time.After(limit)
	for {
		if i := strings.Index(o.String()[from:], s); i >= 0 {
			return from + i + len(s)
		}
		select {
		case <-o.changed:
		case <-deadline:
			t.Fatalf("waited %v for %q; have %q", limit, s, o.String())
		}
	}
}

// TestSQLProcesses runs the binary: a query on standard input, Ctrl-C at the
// prompt, and queries while an ingest runs in another process.
func TestSQLProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := enlistBinary(t)

	t.Run("stdin", func(t *testing.T) {
		_, db := sqlWarehouse(t)
		cmd := exec.Command(bin, "--db", db, "sql", "--format", "csv")
		cmd.Stdin = strings.NewReader("SELECT sum(quota) AS total\nFROM quotas;\n")
		out, err := cmd.Output()
		if err != nil || string(out) != "total\n200\n" {
			t.Fatalf("%v %q", err, out)
		}
	})

	t.Run("ctrl-c cancels the query, not the prompt", func(t *testing.T) {
		_, db := sqlWarehouse(t)
		cmd := exec.Command(bin, "--db", db, "sql", "--prompt", "--format", "csv")
		stdin, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		so, _ := cmd.StdoutPipe()
		se, _ := cmd.StderrPipe()
		stdout, stderr := collect(so), collect(se)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		defer cmd.Process.Kill()
		at := stderr.waitFor(t, "enlist> ", 0, 30*time.Second)
		// A query typed over two lines, which would run for hours.
		fmt.Fprint(stdin, "SELECT sum(hash(i))\nFROM range(1000000000000) t(i);\n")
		at = stderr.waitFor(t, "running (Ctrl-C cancels the query)", at, 30*time.Second)
		start := time.Now()
		if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
			t.Fatal(err)
		}
		at = stderr.waitFor(t, "query cancelled: cancelled by Ctrl-C", at, 10*time.Second)
		t.Logf("Ctrl-C stopped the query in %v", time.Since(start))
		// The program is still there and answers the next query.
		fmt.Fprint(stdin, "SELECT 40 + 2 AS answer;\n")
		stdout.waitFor(t, "answer\n42\n", 0, 30*time.Second)
		stderr.waitFor(t, "(1 row)", at, 10*time.Second)
		// Ctrl-C at the prompt clears what was typed and keeps the prompt.
		fmt.Fprint(stdin, "SELECT 'half typed'\n")
		stderr.waitFor(t, "   ...> ", at, 10*time.Second)
		cmd.Process.Signal(syscall.SIGINT)
		stderr.waitFor(t, "^C\nenlist> ", at, 10*time.Second)
		fmt.Fprint(stdin, "SELECT 7 AS seven;\n")
		stdout.waitFor(t, "seven\n7\n", 0, 30*time.Second)
		if strings.Contains(stdout.String(), "half typed") {
			t.Errorf("the cleared line ran: %q", stdout.String())
		}
		stdin.Close()
		if err := cmd.Wait(); err != nil {
			t.Fatalf("exit: %v; stderr %q", err, stderr.String())
		}
	})

	t.Run("queries while an ingest runs in another process", func(t *testing.T) {
		queriesDuringIngest(t, bin)
	})
}

// writeRegistrations writes n valid registrations of county 410102 for the
// spring season of 2025: one snapshot scope, so a later file replaces an
// earlier one whole.
func writeRegistrations(t *testing.T, path string, n int) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	w.WriteString("身份证号,区划代码,登记日期,年度,批次\n")
	born := time.Date(2003, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		// 1,000 sequence numbers a day keep every number distinct.
		fmt.Fprintf(w, "%s,410102,2025-03-01,2025,上半年\n", idnum.Make("410102", born.AddDate(0, 0, i/1000), i%1000))
	}
	if err := errors.Join(w.Flush(), f.Close()); err != nil {
		t.Fatal(err)
	}
}

// queriesDuringIngest: analysts' queries keep answering while another
// process loads a large file into the live warehouse, and every answer is
// the whole old state or the whole new one.
func queriesDuringIngest(t *testing.T, bin string) {
	t.Setenv(secret.EnvVar, "")
	dir := t.TempDir()
	db := filepath.Join(dir, "w.duckdb")
	const oldRows, newRows = 1000, 200000
	small, large := filepath.Join(dir, "small.csv"), filepath.Join(dir, "large.csv")
	writeRegistrations(t, small, oldRows)
	writeRegistrations(t, large, newRows)
	for _, args := range [][]string{{"init"}, {"ingest", small}} {
		if out, err := exec.Command(bin, append([]string{"--db", db}, args...)...).CombinedOutput(); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
	}
	// One answer: rows and the loads they come from. Half a load would show
	// a count that is neither, or rows of two loads.
	query := func() (string, error) {
		code, out, errs := enlist(t, "--db", db, "sql", "--format", "csv",
			"SELECT count(*) AS n, count(DISTINCT load_id) AS loads FROM registrations")
		if code != exitOK {
			return "", fmt.Errorf("exit %d: %s", code, errs)
		}
		return out, nil
	}
	oldAnswer := fmt.Sprintf("n,loads\n%d,1\n", oldRows)
	newAnswer := fmt.Sprintf("n,loads\n%d,1\n", newRows)
	if got, err := query(); err != nil || got != oldAnswer {
		t.Fatalf("before: %q %v", got, err)
	}

	ingest := exec.Command(bin, "--db", db, "ingest", large)
	var ingestOut bytes.Buffer
	ingest.Stdout, ingest.Stderr = &ingestOut, &ingestOut
	if err := ingest.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- ingest.Wait() }()
	running := func() bool {
		select {
		case err := <-done:
			done <- err
			return false
		default:
			return true
		}
	}
	var answers, whileLocked, slowest = 0, 0, time.Duration(0)
	for running() {
		// Is the writer holding the live file right now?
		locked := false
		if w, err := warehouse.Open(context.Background(), db, warehouse.Options{ReadOnly: true, LockWait: -1}); err == nil {
			w.Close()
		} else if errors.Is(err, warehouse.ErrLocked) {
			locked = true
		}
		start := time.Now()
		got, err := query()
		took := time.Since(start)
		if err != nil {
			t.Fatalf("query %d during the ingest: %v", answers+1, err)
		}
		if got != oldAnswer && got != newAnswer {
			t.Fatalf("query %d saw %q: neither the old %q nor the new %q", answers+1, got, oldAnswer, newAnswer)
		}
		answers++
		slowest = max(slowest, took)
		if locked && running() {
			whileLocked++
		}
	}
	if err := <-done; err != nil {
		t.Fatalf("ingest: %v\n%s", err, ingestOut.String())
	}
	t.Logf("%d answers during the ingest, %d while the writer held the live file; slowest %v", answers, whileLocked, slowest)
	if whileLocked == 0 {
		t.Fatalf("no query ran while the writer held the file (%d answers); the test proves nothing", answers)
	}
	if got, err := query(); err != nil || got != newAnswer {
		t.Fatalf("after the ingest: %q %v", got, err)
	}
}
