package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
	"golang.org/x/term"

	"enlist/web/audit"
	"enlist/web/auth"
)

// TestUserCommands drives enlist user as an office's administrator would:
// accounts beside the warehouse, private and without a password or token
// in the clear, out of reach of enlist sql.
func TestUserCommands(t *testing.T) {
	dir, db := sqlWarehouse(t)
	accounts := filepath.Join(dir, "w.accounts.json")
	pw := filepath.Join(dir, "pw.txt")
	os.WriteFile(pw, []byte("zhongyuan-2026!\n"), 0o600)

	code, out, errs := enlist(t, "--db", db, "user", "add", "Wang", "--role", "operator", "--region", "410102", "--password-file", pw)
	if code != exitOK || out != "added wang: operator of 410102 中原区\n" {
		t.Fatalf("user add: %d %q %q", code, out, errs)
	}
	st, err := os.Stat(accounts)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("accounts file: %v %v", st, err)
	}

	for _, c := range []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"no subcommand", []string{"user"}, exitUsage, "say what to do: add, list"},
		{"unknown subcommand", []string{"user", "delete", "wang"}, exitUsage, `unknown subcommand "delete"`},
		{"no role", []string{"user", "add", "li", "--region", "4101", "--password-file", pw}, exitUsage, "give --role"},
		{"bad role", []string{"user", "add", "li", "--role", "boss", "--region", "4101", "--password-file", pw}, exitUsage, `role "boss": use leader, analyst, operator or admin`},
		{"bad region", []string{"user", "add", "li", "--role", "leader", "--region", "4101999", "--password-file", pw}, exitUsage, `--region "4101999" is not a division code`},
		{"unknown region", []string{"user", "add", "li", "--role", "leader", "--region", "419999", "--password-file", pw}, exitUsage, "--region 419999 is not a division the warehouse knows"},
		{"village", []string{"user", "add", "li", "--role", "leader", "--region", "410102001001", "--password-file", pw}, exitUsage, "province, city, county or town"},
		{"taken", []string{"user", "add", "WANG", "--role", "leader", "--region", "4101", "--password-file", pw}, exitFailure, `"wang" already has an account; enlist user passwd wang`},
		{"bad name", []string{"user", "add", "<b>li", "--role", "leader", "--region", "4101", "--password-file", pw}, exitFailure, "user name refused"},
		{"flag of another subcommand", []string{"user", "token", "wang", "--role", "admin"}, exitUsage, "--role does not apply to user token"},
		{"list with a name", []string{"user", "list", "wang"}, exitUsage, "user list takes no arguments"},
		{"passwd without a name", []string{"user", "passwd"}, exitUsage, "user passwd takes one user name"},
		{"unknown user", []string{"user", "disable", "zhao"}, exitFailure, `no such user: "zhao"`},
		{"mistyped warehouse", []string{"--db", filepath.Join(dir, "nosuch.duckdb"), "user", "list"}, exitFailure, "no warehouse at " + filepath.Join(dir, "nosuch.duckdb")},
	} {
		t.Run(c.name, func(t *testing.T) {
			args := c.args
			if args[0] != "--db" {
				args = append([]string{"--db", db}, args...)
			}
			code, out, errs := enlist(t, args...)
			if code != c.code || !strings.Contains(errs, c.msg) || out != "" {
				t.Errorf("exit %d (want %d), stdout %q, stderr %q; want %q", code, c.code, out, errs, c.msg)
			}
		})
	}
	for _, bad := range []struct{ pw, msg string }{{"short-pw\n", "shorter than 10 characters"}, {"Li-Zhengzhou\n", "the same as the user name"}} {
		os.WriteFile(pw, []byte(bad.pw), 0o600)
		code, _, errs := enlist(t, "--db", db, "user", "add", "li-zhengzhou", "--role", "leader", "--region", "4101", "--password-file", pw)
		if code != exitFailure || !strings.Contains(errs, bad.msg) {
			t.Errorf("password %q: %d %q", bad.pw, code, errs)
		}
	}
	if !term.IsTerminal(int(os.Stdin.Fd())) {
		code, _, errs := enlist(t, "--db", db, "user", "add", "li", "--role", "leader", "--region", "4101")
		if code != exitUsage || !strings.Contains(errs, "no terminal to ask for the password on: give --password-file") {
			t.Errorf("no terminal, no password file: %d %q", code, errs)
		}
	}
	os.WriteFile(pw, []byte("dashboard-secret\r\n"), 0o600)
	if code, out, errs := enlist(t, "--db", db, "user", "add", "dash", "--role", "leader", "--region", "41", "--password-file", pw); code != exitOK || !strings.Contains(out, "added dash: leader of 41 河南省") {
		t.Fatalf("add dash: %d %q %q", code, out, errs)
	}

	// A token, printed once on standard output alone.
	code, out, errs = enlist(t, "--db", db, "user", "token", "dash")
	token := strings.TrimSpace(out)
	if code != exitOK || !strings.HasPrefix(token, "enlist_") || strings.Count(out, "\n") != 1 || !strings.Contains(errs, "shown this once") {
		t.Fatalf("user token: %d %q %q", code, out, errs)
	}
	acc, err := auth.OpenAccounts(accounts)
	if err != nil {
		t.Fatal(err)
	}
	if u, err := acc.CheckToken(token); err != nil || u.Name != "dash" || u.Region != "41" {
		t.Fatalf("the printed token: %+v %v", u, err)
	}
	if u, err := acc.Check("dash", "dashboard-secret"); err != nil || u.Role != auth.Leader {
		t.Fatalf("password read from a file with a CRLF: %+v %v", u, err)
	}
	code, out, _ = enlist(t, "--db", db, "user", "list")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != exitOK || len(lines) != 3 || strings.Join(strings.Fields(lines[0]), " ") != "NAME ROLE REGION STATUS TOKENS REGION NAME" ||
		strings.Join(strings.Fields(lines[1]), " ") != "dash leader 41 active 1 河南省" ||
		strings.Join(strings.Fields(lines[2]), " ") != "wang operator 410102 active 0 中原区" {
		t.Fatalf("user list: %d\n%s", code, out)
	}
	if code, out, _ := enlist(t, "--db", db, "user", "token", "dash", "--revoke"); code != exitOK || out != "revoked every API token of dash\n" {
		t.Errorf("revoke: %d %q", code, out)
	}
	if _, err := acc.CheckToken(token); !errors.Is(err, auth.ErrBadToken) {
		t.Errorf("revoked token: %v", err)
	}

	os.WriteFile(pw, []byte("a-new-password-1\n"), 0o600)
	if code, out, errs := enlist(t, "--db", db, "user", "passwd", "wang", "--password-file", pw); code != exitOK || !strings.Contains(out, "new password for wang") {
		t.Fatalf("passwd: %d %q %q", code, out, errs)
	}
	if _, err := acc.Check("wang", "zhongyuan-2026!"); !errors.Is(err, auth.ErrBadCredentials) {
		t.Errorf("old password: %v", err)
	}
	if code, _, _ := enlist(t, "--db", db, "user", "disable", "wang"); code != exitOK {
		t.Fatal("disable")
	}
	if _, err := acc.Check("wang", "a-new-password-1"); !errors.Is(err, auth.ErrDisabled) {
		t.Errorf("disabled: %v", err)
	}
	if _, out, _ := enlist(t, "--db", db, "user", "list"); !strings.Contains(strings.Join(strings.Fields(out), " "), "wang operator 410102 disabled") {
		t.Errorf("list after disable:\n%s", out)
	}
	if code, _, _ := enlist(t, "--db", db, "user", "enable", "wang"); code != exitOK {
		t.Fatal("enable")
	}
	if _, err := acc.Check("wang", "a-new-password-1"); err != nil {
		t.Errorf("enabled: %v", err)
	}

	// Nothing secret in the clear, neither in the accounts file nor in the trail.
	for _, f := range []string{accounts, audit.PathFor(db)} {
		b, _ := os.ReadFile(f)
		for _, secret := range []string{"zhongyuan-2026!", "a-new-password-1", "dashboard-secret", strings.TrimPrefix(token, "enlist_")} {
			if strings.Contains(string(b), secret) {
				t.Errorf("%s holds %q:\n%s", f, secret, b)
			}
		}
	}
	b, _ := os.ReadFile(audit.PathFor(db))
	for _, change := range []string{"add wang role=operator region=410102", "token new dash", "token revoke dash", "passwd wang", "disable wang", "enable wang"} {
		if !strings.Contains(string(b), `"action":"account_change","target":"`+change+`"`) {
			t.Errorf("audit lacks %q:\n%s", change, b)
		}
	}

	// enlist sql reads the published warehouse in a sandbox: neither file
	// beside it can be read through a query.
	for _, f := range []string{accounts, audit.PathFor(db)} {
		for _, q := range []string{"SELECT content FROM read_text('" + f + "')", "SELECT * FROM read_json_auto('" + f + "')", "SELECT * FROM read_csv('" + f + "')"} {
			code, out, errs := enlist(t, "--db", db, "sql", "--format", "csv", q)
			if code == exitOK || strings.Contains(out, "argon2id") || strings.Contains(out, "wang") {
				t.Errorf("enlist sql %q: exit %d\n%s%s", q, code, out, errs)
			}
		}
	}
	code, out, _ = enlist(t, "--db", db, "sql", "--format", "csv", "SELECT count(*) AS n FROM duckdb_columns() WHERE column_name ILIKE '%password%' OR table_name ILIKE '%account%' OR table_name ILIKE '%audit%'")
	if code != exitOK || out != "n\n0\n" {
		t.Errorf("the warehouse mentions accounts: %d %q", code, out)
	}
}

// TestUserAddPromptsWithoutEcho types a password at the terminal prompt,
// twice, and checks that it never appears on the screen.
func TestUserAddPromptsWithoutEcho(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := enlistBinary(t)
	dir, db := sqlWarehouse(t)
	run := func(name, first, second string) string {
		t.Helper()
		cmd := exec.Command(bin, "--db", db, "user", "add", name, "--role", "analyst", "--region", "410103")
		tty, err := pty.Start(cmd)
		if err != nil {
			t.Fatal(err)
		}
		defer tty.Close()
		out := collect(tty)
		at := out.waitFor(t, "password for "+name+" (at least 10 characters): ", 0, 60*time.Second)
		tty.Write([]byte(first + "\r"))
		out.waitFor(t, "the same again: ", at, 30*time.Second)
		tty.Write([]byte(second + "\r"))
		cmd.Wait()
		return out.all(t, 10*time.Second)
	}
	if screen := run("zhao", "typed-at-the-prompt", "typed-at-the-prompt"); strings.Contains(screen, "typed-at-the-prompt") || !strings.Contains(screen, "added zhao: analyst of 410103 二七区") {
		t.Fatalf("screen:\n%s", screen)
	}
	acc, err := auth.OpenAccounts(filepath.Join(dir, "w.accounts.json"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := acc.Check("zhao", "typed-at-the-prompt"); err != nil {
		t.Errorf("the typed password: %v", err)
	}
	if screen := run("qian", "first-password", "second-password"); !strings.Contains(screen, "the two passwords differ; nothing was changed") {
		t.Fatalf("mismatch screen:\n%s", screen)
	}
	if _, ok := acc.Lookup("qian"); ok {
		t.Error("an account was made from two different passwords")
	}
}
