package testkit

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"

	"enlist/internal/idnum"
)

// Secret is the pseudonymisation key every process of these tests
// shares, through ENLIST_SECRET as an operator's cron environment would.
const Secret = "reliability-secret-0123456789abcdef"

// Run runs the binary to the end and returns its exit status and
// output.
func Run(t testing.TB, dir string, args ...string) (int, string, string) {
	t.Helper()
	return RunCmd(t, Command(t, dir, args...))
}

// RunCmd runs a prepared command to the end and returns its exit status
// and output; it fails the test only if the command cannot run at all.
func RunCmd(t testing.TB, cmd *exec.Cmd) (int, string, string) {
	t.Helper()
	code, out, errs, err := Exec(cmd)
	if err != nil {
		t.Fatalf("%v: %v", cmd.Args, err)
	}
	return code, out, errs
}

// Exec is RunCmd for goroutines other than the test's own, which must not
// fail the test: an error means the command could not run.
func Exec(cmd *exec.Cmd) (code int, stdout, stderr string, err error) {
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code, err = ee.ExitCode(), nil
	}
	return code, out.String(), errb.String(), err
}

// Command prepares the binary to run in dir with the shared secret.
func Command(t testing.TB, dir string, args ...string) *exec.Cmd {
	cmd := exec.Command(Binary(t), append([]string{"--threads", "2"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "ENLIST_SECRET="+Secret, "ENLIST_DB=")
	return cmd
}

// OwnSecretCommand is Command with no ENLIST_ variable at all, so that
// the binary finds (or makes) the secret file beside the warehouse as it
// does on an office's machine.
func OwnSecretCommand(t testing.TB, dir string, args ...string) *exec.Cmd {
	cmd := Command(t, dir, args...)
	cmd.Env = slices.DeleteFunc(os.Environ(), func(e string) bool { return strings.HasPrefix(e, "ENLIST_") })
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
