package auth

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestAccountRegion(t *testing.T) {
	code, name, err := AccountRegion(" 410102 ")
	if err != nil || code != "410102" || name != "中原区" {
		t.Fatalf("AccountRegion(410102) = %q %q %v", code, name, err)
	}
	for _, c := range []struct{ region, want string }{
		{"4101999", `"4101999" is not a division code`},
		{"419999", "419999 is not a division the warehouse knows"},
		{"410102001001", "province, city, county or town"},
	} {
		if _, _, err := AccountRegion(c.region); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("AccountRegion(%q) = %v; want %q", c.region, err, c.want)
		}
	}
}

// Every change made through the command line's admin is in the audit
// trail beside the warehouse, naming who made it; a name taken or missing
// is refused before any password is asked for.
func TestAccountAdminRecordsChanges(t *testing.T) {
	db := filepath.Join(t.TempDir(), "w.duckdb")
	a, err := OpenAccountAdmin(db, "root")
	if err != nil {
		t.Fatal(err)
	}
	a.cost = cheap
	var unrecorded []error
	a.Unrecorded = func(err error) { unrecorded = append(unrecorded, err) }
	if err := a.CheckExisting("wang"); !errors.Is(err, ErrNoUser) {
		t.Errorf("CheckExisting before add: %v", err)
	}
	u, err := a.Add("Wang", Operator, "410102", wangPassword)
	if err != nil || u.Name != "wang" || u.Role != Operator {
		t.Fatalf("Add: %+v %v", u, err)
	}
	if err := a.CheckNew("WANG "); !errors.Is(err, ErrUserExists) || !strings.Contains(err.Error(), "enlist user passwd wang") {
		t.Errorf("CheckNew of a taken name: %v", err)
	}
	if err := a.SetPassword("wang", "another-password-1"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.NewToken("wang"); err != nil {
		t.Fatal(err)
	}
	for _, step := range []func(string) error{a.RevokeTokens, a.Disable, a.Enable} {
		if err := step("wang"); err != nil {
			t.Fatal(err)
		}
	}
	if len(unrecorded) > 0 {
		t.Fatalf("unrecorded: %v", unrecorded)
	}
	trail, err := os.ReadFile(filepath.Join(filepath.Dir(db), "w.audit.jsonl"))
	if err != nil {
		matches, _ := filepath.Glob(filepath.Join(filepath.Dir(db), "*audit*"))
		t.Fatalf("audit trail: %v (files: %v)", err, matches)
	}
	for _, change := range []string{"add wang role=operator region=410102", "passwd wang", "token new wang",
		"token revoke wang", "disable wang", "enable wang"} {
		if !strings.Contains(string(trail), `"user":"root","addr":"command line","action":"account_change","target":"`+change+`"`) {
			t.Errorf("trail lacks %q:\n%s", change, trail)
		}
	}
	if strings.Contains(string(trail), wangPassword) {
		t.Error("the trail holds a password")
	}
}

func TestReadPasswordFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pw.txt")
	if err := os.WriteFile(path, []byte("dashboard-secret\r\nsecond line\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if pw, err := ReadPasswordFile(path, nil); err != nil || pw != "dashboard-secret" {
		t.Errorf("file: %q %v", pw, err)
	}
	if pw, err := ReadPasswordFile("-", strings.NewReader("from-stdin-1\n")); err != nil || pw != "from-stdin-1" {
		t.Errorf("stdin: %q %v", pw, err)
	}
	if _, err := ReadPasswordFile(path+".missing", nil); err == nil || !strings.Contains(err.Error(), "read password file") {
		t.Errorf("missing file: %v", err)
	}
}
