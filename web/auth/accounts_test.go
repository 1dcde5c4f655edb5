package auth

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// cheap is an argon2id cost that keeps the tests quick; the stored hash
// carries its cost, so checking works the same as at the default.
var cheap = argonCost{time: 1, memory: 64, threads: 1, keyLen: 32}

func openCheap(t *testing.T, path string) *Accounts {
	t.Helper()
	a, err := OpenAccounts(path)
	if err != nil {
		t.Fatal(err)
	}
	a.cost = cheap
	return a
}

const wangPassword = "zhongyuan-2026!"

func TestAccountsFileIsPrivateAndHoldsNoSecret(t *testing.T) {
	dir := t.TempDir()
	path := AccountsPathFor(filepath.Join(dir, "w.duckdb"))
	if path != filepath.Join(dir, "w.accounts.json") {
		t.Fatalf("accounts path %s", path)
	}
	a, err := OpenAccounts(path) // the default cost, as enlist user uses it
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Add("Wang", Operator, "410102", wangPassword); err != nil {
		t.Fatal(err)
	}
	token, err := a.NewToken("wang")
	if err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("%s: mode %v, %v; want 0600", path, st.Mode().Perm(), err)
	}
	b, _ := os.ReadFile(path)
	text := string(b)
	rawToken := strings.TrimPrefix(token, tokenPrefix)
	if strings.Contains(text, wangPassword) || strings.Contains(text, rawToken) || len(rawToken) < 40 {
		t.Fatalf("accounts file holds the password or the token:\n%s", text)
	}
	// RFC 9106's second recommended cost, and the token's SHA-256.
	if !strings.Contains(text, `"password": "$argon2id$v=19$m=65536,t=3,p=4$`) || !strings.Contains(text, tokenHash(token)) {
		t.Errorf("accounts file lacks the argon2id hash or the token hash:\n%s", text)
	}
	if !strings.Contains(text, `"name": "wang"`) || !strings.Contains(text, `"role": "operator"`) {
		t.Errorf("accounts file:\n%s", text)
	}
	if u, err := a.Check("wang", wangPassword); err != nil || u.Region != "410102" || u.Role != Operator {
		t.Errorf("check at the default cost: %+v %v", u, err)
	}
	// No temporary file is left beside it.
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("folder holds %v", entries)
	}

	// A file others can read is refused, as the secret file is.
	os.Chmod(path, 0o640)
	if _, err := OpenAccounts(path); !errors.Is(err, ErrExposed) || !strings.Contains(err.Error(), "chmod 600 "+path) {
		t.Errorf("exposed accounts file: %v", err)
	}
	// And a running service that notices stops letting anyone in.
	if _, err := a.Check("wang", wangPassword); !errors.Is(err, ErrExposed) {
		t.Errorf("check over an exposed file: %v", err)
	}
	if _, err := a.CheckToken(token); !errors.Is(err, ErrExposed) {
		t.Errorf("token over an exposed file: %v", err)
	}
	if _, err := a.Users(); !errors.Is(err, ErrExposed) {
		t.Errorf("users page over an exposed file: %v", err)
	}
}

func TestCheck(t *testing.T) {
	a := openCheap(t, filepath.Join(t.TempDir(), "a.json"))
	if err := a.Add("wang", Operator, "410102", wangPassword); err != nil {
		t.Fatal(err)
	}
	if err := a.Add("li", Leader, "4101", "li-password-1"); err != nil {
		t.Fatal(err)
	}
	u, err := a.Check(" WANG ", wangPassword)
	if err != nil || u != (User{Name: "wang", Role: Operator, Region: "410102"}) {
		t.Fatalf("right password: %+v %v", u, err)
	}
	for _, c := range []struct{ name, pw string }{
		{"wang", "zhongyuan-2026"},   // one character short
		{"wang", "li-password-1"},    // another's
		{"zhang", wangPassword},      // no such user
		{"", wangPassword},           // no name
		{"wang", ""},                 // no password
		{"wang", wangPassword + " "}, // not trimmed
	} {
		if u, err := a.Check(c.name, c.pw); !errors.Is(err, ErrBadCredentials) || u.Name != "" {
			t.Errorf("Check(%q, %q) = %+v, %v; want ErrBadCredentials", c.name, c.pw, u, err)
		}
	}
	if err := a.Disable("wang"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Check("wang", wangPassword); !errors.Is(err, ErrDisabled) {
		t.Errorf("disabled, right password: %v", err)
	}
	if _, err := a.Check("wang", "wrong-password"); !errors.Is(err, ErrBadCredentials) {
		t.Errorf("disabled, wrong password: %v", err)
	}
	if err := a.Enable("wang"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Check("wang", wangPassword); err != nil {
		t.Errorf("enabled again: %v", err)
	}
	if err := a.SetPassword("wang", "a-new-password"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Check("wang", wangPassword); !errors.Is(err, ErrBadCredentials) {
		t.Errorf("old password after passwd: %v", err)
	}
	if _, err := a.Check("wang", "a-new-password"); err != nil {
		t.Errorf("new password: %v", err)
	}
	if err := a.Disable("zhang"); !errors.Is(err, ErrNoUser) {
		t.Errorf("disable an unknown user: %v", err)
	}
	got := a.List()
	if len(got) != 2 || got[0].Name != "li" || got[1].Name != "wang" || got[0].Role != Leader {
		t.Errorf("list: %+v", got)
	}
}

func TestAddRefuses(t *testing.T) {
	a := openCheap(t, filepath.Join(t.TempDir(), "a.json"))
	if err := a.Add("wang", Operator, "410102", wangPassword); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		role   Role
		region string
		pw     string
		want   error
		text   string
	}{
		{"zhang", Leader, "410102", "short-pw", ErrWeakPassword, "shorter than 10"},
		{"zhang", Leader, "410102", "密码太短了", ErrWeakPassword, "shorter than 10"},
		{"zhangsan01", Leader, "410102", "ZhangSan01", ErrWeakPassword, "the same as the user name"},
		{"zhang", Leader, "410102", "            ", ErrWeakPassword, "only spaces"},
		{"zhang", Leader, "410102", strings.Repeat("x", 1025), ErrWeakPassword, "longer than 1024"},
		{"<script>alert(1)</script>", Leader, "410102", wangPassword, ErrBadName, "use letters, digits"},
		{"zhang san", Leader, "410102", wangPassword, ErrBadName, ""},
		{"-zhang", Leader, "410102", wangPassword, ErrBadName, ""},
		{"", Leader, "410102", wangPassword, ErrBadName, ""},
		{strings.Repeat("z", 33), Leader, "410102", wangPassword, ErrBadName, "1 to 32"},
		{"zhang", Leader, "410102001001", wangPassword, ErrBadRegion, "province, city, county or town"},
		{"zhang", Leader, "41010", wangPassword, ErrBadRegion, ""},
		{"zhang", Leader, "41a1", wangPassword, ErrBadRegion, ""},
		{"zhang", Leader, "", wangPassword, ErrBadRegion, ""},
		{"WANG", Leader, "410102", wangPassword, ErrUserExists, "enlist user passwd wang"},
	} {
		err := a.Add(c.name, c.role, c.region, c.pw)
		if !errors.Is(err, c.want) || !strings.Contains(fmt.Sprint(err), c.text) {
			t.Errorf("Add(%q, %v, %q, %d chars) = %v; want %v with %q", c.name, c.role, c.region, len(c.pw), err, c.want, c.text)
		}
	}
	if err := a.Add("zhang", Role(9), "410102", wangPassword); err == nil {
		t.Error("a role outside the four was accepted")
	}
	// Chinese letters make a name; the town level is the lowest an account sits at.
	if err := a.Add("张三", Leader, "410102001", wangPassword); err != nil {
		t.Errorf("Chinese name at a town: %v", err)
	}
	if len(a.List()) != 2 {
		t.Errorf("refused accounts were stored: %+v", a.List())
	}
}

func TestTokenRoundTrip(t *testing.T) {
	a := openCheap(t, filepath.Join(t.TempDir(), "a.json"))
	a.Add("dash", Leader, "41", "dashboard-pass")
	t1, err := a.NewToken("dash")
	if err != nil {
		t.Fatal(err)
	}
	t2, _ := a.NewToken("DASH")
	if t1 == t2 || !strings.HasPrefix(t1, "enlist_") {
		t.Fatalf("tokens %q %q", t1, t2)
	}
	for _, tok := range []string{t1, t2} {
		if u, err := a.CheckToken(tok); err != nil || u.Name != "dash" || u.Region != "41" || u.Tokens != 2 {
			t.Fatalf("CheckToken: %+v %v", u, err)
		}
	}
	for _, bad := range []string{"", "enlist_", t1[:len(t1)-1], t1 + "x", strings.TrimPrefix(t1, "enlist_"), tokenHash(t1), "dashboard-pass"} {
		if _, err := a.CheckToken(bad); !errors.Is(err, ErrBadToken) {
			t.Errorf("CheckToken(%q): %v", bad, err)
		}
	}
	// A token is not a password, nor the password a token.
	if _, err := a.Check("dash", t1); !errors.Is(err, ErrBadCredentials) {
		t.Errorf("token as password: %v", err)
	}
	a.Disable("dash")
	if _, err := a.CheckToken(t1); !errors.Is(err, ErrDisabled) {
		t.Errorf("token of a disabled account: %v", err)
	}
	if _, err := a.NewToken("dash"); !errors.Is(err, ErrDisabled) {
		t.Errorf("new token for a disabled account: %v", err)
	}
	a.Enable("dash")
	if err := a.RevokeTokens("dash"); err != nil {
		t.Fatal(err)
	}
	for _, tok := range []string{t1, t2} {
		if _, err := a.CheckToken(tok); !errors.Is(err, ErrBadToken) {
			t.Errorf("revoked token: %v", err)
		}
	}
	if _, err := a.NewToken("nobody"); !errors.Is(err, ErrNoUser) {
		t.Errorf("token for nobody: %v", err)
	}
}

// TestChangesReachARunningService: enlist user (one Accounts) changes the
// file while enlist serve (another) runs; the service sees each change at
// its next check, and writers in parallel lose nothing.
func TestChangesReachARunningService(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.json")
	serve := openCheap(t, path)
	if _, err := serve.Check("wang", wangPassword); !errors.Is(err, ErrBadCredentials) {
		t.Fatalf("before any account: %v", err)
	}
	cli := openCheap(t, path)
	if err := cli.Add("wang", Operator, "410102", wangPassword); err != nil {
		t.Fatal(err)
	}
	if _, err := serve.Check("wang", wangPassword); err != nil {
		t.Fatalf("after enlist user add: %v", err)
	}
	tok, _ := cli.NewToken("wang")
	if _, err := serve.CheckToken(tok); err != nil {
		t.Fatalf("token made by the CLI: %v", err)
	}
	cli.Disable("wang")
	if _, err := serve.Check("wang", wangPassword); !errors.Is(err, ErrDisabled) {
		t.Fatalf("after enlist user disable: %v", err)
	}

	var wg sync.WaitGroup
	for i := 0; i < 12; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			who := serve
			if i%2 == 1 {
				who = cli
			}
			if err := who.Add(fmt.Sprintf("user%02d", i), Leader, "4101", wangPassword); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	fresh := openCheap(t, path)
	if n := len(fresh.List()); n != 13 {
		t.Errorf("%d accounts after 12 parallel adds to 1, want 13: %+v", n, fresh.List())
	}
}

func TestRoles(t *testing.T) {
	for _, r := range Roles() {
		p, err := ParseRole(strings.ToUpper(r.String()))
		if err != nil || p != r {
			t.Errorf("ParseRole(%s) = %v %v", r, p, err)
		}
	}
	if _, err := ParseRole("boss"); err == nil || !strings.Contains(err.Error(), "leader, analyst, operator or admin") {
		t.Errorf("ParseRole(boss): %v", err)
	}
	if !(Leader < Analyst && Analyst < Operator && Operator < Admin) {
		t.Error("roles out of order")
	}
	if !Admin.AtLeast(Operator) || Leader.AtLeast(Analyst) || !Analyst.AtLeast(Analyst) || Role(0).AtLeast(Leader) {
		t.Error("AtLeast")
	}
	want := map[Role][2]string{Leader: {"领导", "Leader"}, Analyst: {"分析员", "Analyst"}, Operator: {"操作员", "Operator"}, Admin: {"管理员", "Admin"}}
	for r, w := range want {
		if r.Label("zh") != w[0] || r.Label("en") != w[1] {
			t.Errorf("%s labels %q %q", r, r.Label("zh"), r.Label("en"))
		}
	}
}
