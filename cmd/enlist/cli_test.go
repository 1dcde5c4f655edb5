package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"enlist/internal/secret"
)

// TestExitCodesAndStreams runs the binary as a shell script or cron would:
// the exit status, and which stream each message goes to (a usage error's
// help never on standard output, where a result may be redirected).
func TestExitCodesAndStreams(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	t.Setenv(secret.EnvVar, "")
	t.Setenv("ENLIST_SECRET_FILE", "")
	bin := buildEnlist(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "w.duckdb")
	if out, err := exec.Command(bin, "--db", db, "init").CombinedOutput(); err != nil {
		t.Fatalf("init: %v %s", err, out)
	}
	csv := filepath.Join(dir, "q.csv")
	os.WriteFile(csv, []byte("年度,批次,区划代码,征集任务数\n2025,上半年,410102,120\n"), 0o644)

	for _, c := range []struct {
		name      string
		args      []string
		code      int
		stdout    string // "" = must be empty; else must contain
		stderr    string // must contain
		notStderr string
	}{
		{"help", []string{"--help"}, 0, "Commands:", "", "Usage"},
		{"command help", []string{"sql", "--help"}, 0, "Usage: enlist sql", "", "Usage"},
		{"help names the secret file", []string{"--help"}, 0, "ENLIST_SECRET_FILE", "", ""},
		{"no command", []string{}, 2, "", "Commands:", ""},
		{"unknown command", []string{"frobnicate"}, 2, "", `unknown command "frobnicate"`, ""},
		{"mistyped flag", []string{"--db", db, "sql", "--fromat", "csv", "SELECT 1"}, 2, "", "flag provided but not defined: -fromat", "Flags:"},
		{"bad mode", []string{"--db", db, "ingest", "--mode", "replace", csv}, 2, "", `--mode "replace": use snapshot or incremental`, ""},
		{"bad scope", []string{"--db", db, "report", "weekly", "--scope", "999"}, 2, "", `--scope "999" is not a region code`, ""},
		{"bad scope for metrics", []string{"--db", db, "metrics", "--scope", "999"}, 2, "", `--scope "999" is not a region code`, ""},
		{"extra argument to status", []string{"--db", db, "status", "extra"}, 2, "", "status takes no arguments", ""},
		{"extra argument to init", []string{"--db", db, "init", "extra"}, 2, "", "init takes no arguments", ""},
		{"sql with no query and no terminal", []string{"--db", db, "sql"}, 2, "", "no query given", "enlist>"},
		{"init in a missing folder", []string{"--db", filepath.Join(dir, "nosuch", "w.duckdb"), "init"}, 1, "", "folder " + filepath.Join(dir, "nosuch") + " does not exist", ""},
		{"a good query", []string{"--db", db, "sql", "--format", "csv", "SELECT 1 AS one"}, 0, "one\n1\n", "", "Usage"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cmd := exec.Command(bin, c.args...)
			cmd.Dir = dir
			devnull, _ := os.Open(os.DevNull)
			defer devnull.Close()
			cmd.Stdin = devnull // cron's standard input: not a terminal
			var out, errb bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &errb
			cmd.Run()
			code := cmd.ProcessState.ExitCode()
			if code != c.code {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, c.code, out.String(), errb.String())
			}
			if c.stdout == "" && out.Len() > 0 {
				t.Errorf("stdout should be empty, has:\n%s", out.String())
			}
			if c.stdout != "" && !strings.Contains(out.String(), c.stdout) {
				t.Errorf("stdout lacks %q:\n%s", c.stdout, out.String())
			}
			if !strings.Contains(errb.String(), c.stderr) {
				t.Errorf("stderr lacks %q:\n%s", c.stderr, errb.String())
			}
			if c.notStderr != "" && strings.Contains(errb.String(), c.notStderr) {
				t.Errorf("stderr has %q:\n%s", c.notStderr, errb.String())
			}
		})
	}
}

// TestReadOnlyFolderInPeoplesTerms: a warehouse whose folder this user
// cannot write (the write-ahead log goes there) is reported as such, not
// as DuckDB's transaction error.
func TestReadOnlyFolderInPeoplesTerms(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	t.Setenv(secret.EnvVar, "0123456789abcdef0123456789abcdef")
	bin := buildEnlist(t)
	base := t.TempDir()
	dir := filepath.Join(base, "ro")
	os.Mkdir(dir, 0o755)
	db := filepath.Join(dir, "w.duckdb")
	if out, err := exec.Command(bin, "--db", db, "init").CombinedOutput(); err != nil {
		t.Fatalf("init: %v %s", err, out)
	}
	csv := filepath.Join(base, "q.csv")
	os.WriteFile(csv, []byte("年度,批次,区划代码,征集任务数\n2025,上半年,410102,120\n"), 0o644)
	cmd := exec.Command(bin, "--db", db, "ingest", csv)
	if os.Getuid() == 0 {
		// Root writes anywhere: run as nobody, owning the files but not the folder.
		const nobody = 65534
		for _, p := range []string{filepath.Dir(base), base, filepath.Dir(bin), filepath.Dir(filepath.Dir(bin))} {
			os.Chmod(p, 0o755)
		}
		filepath.Walk(dir, func(p string, _ os.FileInfo, _ error) error {
			if p != dir {
				os.Chown(p, nobody, nobody)
			}
			return nil
		})
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
	} else {
		os.Chmod(dir, 0o555)
		defer os.Chmod(dir, 0o755)
	}
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "cannot write to "+dir+": permission denied") || strings.Contains(string(out), "TransactionContext") {
		t.Errorf("ingest into a read-only folder: %v\n%s", err, out)
	}
}
