package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
)

// TestPromptOnATerminal drives the prompt through a pseudo-terminal, as an
// analyst's keyboard would: a query, \d and \d NAME, the up arrow recalling
// an earlier query, Ctrl-C clearing a half-typed line and cancelling a
// running query, \timing, the history kept in the user's configuration
// folder, and Ctrl-D leaving.
func TestPromptOnATerminal(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := enlistBinary(t)
	_, db := sqlWarehouse(t)
	config := t.TempDir()
	cmd := exec.Command(bin, "--db", db, "sql")
	cmd.Env = append(os.Environ(), "XDG_CONFIG_HOME="+config, "TERM=xterm")
	tty, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 50, Cols: 200})
	if err != nil {
		t.Fatal(err)
	}
	defer tty.Close()
	defer cmd.Process.Kill()
	out := collect(tty)
	typeIn := func(s string) {
		t.Helper()
		if _, err := tty.Write([]byte(s)); err != nil {
			t.Fatal(err)
		}
	}

	at := out.waitFor(t, "enlist> ", 0, 60*time.Second)
	typeIn("SELECT 41 + 1 AS answer;\r")
	at = out.waitFor(t, "(1 row)", at, 30*time.Second)
	if !strings.Contains(out.String(), "answer") || !strings.Contains(out.String(), "42") {
		t.Fatalf("first query: %q", out.String())
	}

	// \d lists tables, views and macros; \d NAME describes a macro.
	typeIn(`\d` + "\r")
	at = out.waitFor(t, "metrics_at(as_of, y, s)", at, 30*time.Second)
	at = out.waitFor(t, "rows)", at, 30*time.Second)
	typeIn(`\d person_facts_at` + "\r")
	at = out.waitFor(t, "columns documented as in the view person_facts", at, 30*time.Second)
	at = out.waitFor(t, "education_label", at, 30*time.Second)

	// The up arrow three times recalls the first query; Enter runs it again.
	typeIn("\x1b[A\x1b[A\x1b[A")
	time.Sleep(300 * time.Millisecond)
	typeIn("\r")
	at = out.waitFor(t, "(1 row)", at, 30*time.Second)
	if n := strings.Count(out.String()[:at], "42"); n < 2 {
		t.Fatalf("the recalled query did not run again: %q", out.String())
	}

	// Ctrl-C at the prompt clears the half-typed line.
	typeIn("SELECT 'half typed' AS h")
	time.Sleep(200 * time.Millisecond)
	typeIn("\x03")
	typeIn("SELECT 7 AS seven;\r")
	at = out.waitFor(t, "(1 row)", at, 30*time.Second)
	if strings.Contains(out.String()[at-200:], "half typed") && strings.Contains(out.String(), "\nh ") {
		t.Errorf("the cleared line ran: %q", out.String())
	}

	// Ctrl-C while a query runs cancels the query, not the program.
	typeIn(`\timing` + "\r")
	at = out.waitFor(t, "Timing is on.", at, 10*time.Second)
	typeIn("SELECT sum(hash(i)) FROM range(1000000000000) t(i);\r")
	at = out.waitFor(t, "running (Ctrl-C cancels the query)", at, 30*time.Second)
	typeIn("\x03")
	at = out.waitFor(t, "query cancelled: cancelled by Ctrl-C", at, 15*time.Second)
	typeIn("SELECT 5 AS five;\r")
	at = out.waitFor(t, "Time: ", at, 30*time.Second)

	// Ctrl-D leaves; the history is in the user's configuration folder.
	typeIn("\x04")
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit: %v; output %q", err, out.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("Ctrl-D did not leave; output %q", out.String())
	}
	b, err := os.ReadFile(filepath.Join(config, "enlist", "sql_history"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"SELECT 41 + 1 AS answer;", `\d person_facts_at`, "SELECT 5 AS five;"} {
		if !strings.Contains(string(b), want+"\n") {
			t.Errorf("history lacks %q:\n%s", want, b)
		}
	}
	if strings.Contains(string(b), "half typed") {
		t.Errorf("history keeps the cleared line:\n%s", b)
	}
}
