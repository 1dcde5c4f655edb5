package testkit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"

	"enlist/internal/idnum"
	"enlist/internal/warehouse"
)

// Secret is the pseudonymisation key every process of these tests
// shares, through ENLIST_SECRET as an operator's cron environment would.
const Secret = "reliability-secret-0123456789abcdef"

// Run runs the binary to the end and returns its exit status and
// output.
func Run(t testing.TB, dir string, args ...string) (int, string, string) {
	t.Helper()
	cmd := Command(t, dir, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("enlist %v: %v", args, err)
	}
	return code, out.String(), errb.String()
}

// Command prepares the binary to run in dir with the shared secret.
func Command(t testing.TB, dir string, args ...string) *exec.Cmd {
	cmd := exec.Command(Binary(t), append([]string{"--threads", "2"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "ENLIST_SECRET="+Secret, "ENLIST_DB=")
	return cmd
}

// MustRun runs the binary and fails the test unless it exits 0.
func MustRun(t testing.TB, dir string, args ...string) string {
	t.Helper()
	code, out, errs := Run(t, dir, args...)
	if code != 0 {
		t.Fatalf("enlist %v: exit %d\nstdout: %s\nstderr: %s", args, code, out, errs)
	}
	return out
}

// State opens a warehouse file the way every writer does (read-write,
// which replays a write-ahead log a killed process left) and fingerprints
// its data. Timestamps (when a load or a run started) are left out: they
// differ between two runs that store the same data.
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
	sums := DataChecksums(t, wh)
	for k := range skip {
		delete(sums, k)
	}
	return Fingerprint(sums)
}

// DataChecksums is TableChecksums without TIMESTAMP columns.
func DataChecksums(t testing.TB, wh *warehouse.Warehouse) map[string]string {
	t.Helper()
	rows, err := wh.DB().Query(`SELECT c.table_name, list(c.column_name ORDER BY c.ordinal_position)
		FROM information_schema.columns c JOIN information_schema.tables t
		  ON t.table_schema = c.table_schema AND t.table_name = c.table_name
		WHERE c.table_schema = 'main' AND t.table_type = 'BASE TABLE' AND c.data_type NOT LIKE 'TIMESTAMP%'
		GROUP BY c.table_name ORDER BY c.table_name`)
	if err != nil {
		t.Fatal(err)
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

// CopyTree copies a folder, symbolic links as links.
func CopyTree(t testing.TB, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		target := filepath.Join(dst, rel)
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			link, err := os.Readlink(path)
			if err != nil {
				return err
			}
			return os.Symlink(link, target)
		case d.IsDir():
			return os.MkdirAll(target, 0o750)
		}
		in, err := os.Open(path)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.OpenFile(target, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
		if err != nil {
			return err
		}
		_, err = io.Copy(out, in)
		return errors.Join(err, out.Close())
	})
	if err != nil {
		t.Fatal(err)
	}
}

var born2005 = time.Date(2005, 3, 9, 0, 0, 0, 0, time.UTC)

// Person makes a valid identity number in county 410102.
func Person(i int) string {
	return idnum.Make("410102", born2005.AddDate(0, 0, i/900), i%900+1)
}

const RegHeader = "身份证号,姓名,区划代码,登记日期,文化程度,年度,季度"

// RegCSV is a registrations extract of n people in town 410102001 (or
// another town), one line per person, with the line ending given.
func RegCSV(n, first int, town, eol string) string {
	var b strings.Builder
	b.WriteString(RegHeader + eol)
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "%s,某人,%s,2025-01-10,本科,2025,上半年%s", Person(first+i), town, eol)
	}
	return b.String()
}

func GB18030(t testing.TB, s string) []byte {
	t.Helper()
	b, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Seed is the random seed of a kill test: RELIABILITY_SEED when set (to
// replay a failed run), else the clock. It is logged either way.
func Seed(t testing.TB) uint64 {
	t.Helper()
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv("RELIABILITY_SEED"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("RELIABILITY_SEED=%q: %v", v, err)
		}
		seed = n
	}
	t.Logf("random seed %d (set RELIABILITY_SEED to replay)", seed)
	return seed
}

// WriteBytes returns a maker that writes b to a path.
func WriteBytes(b []byte) func(t *testing.T, path string) {
	return func(t *testing.T, path string) {
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}
