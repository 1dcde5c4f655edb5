// Package auth holds the web console's accounts, sessions and browser
// security: who may log in, as which role, bound to which region (SPEC
// §10), and the checks every request passes before a page or the API sees
// it.
//
// Accounts live in a JSON file of their own beside the warehouse
// (enlist.accounts.json beside enlist.duckdb), mode 0600, never inside the
// warehouse: nothing an analyst can query — enlist sql, the published copy,
// an export — can read them. Passwords are kept as argon2id hashes and API
// tokens as SHA-256 hashes; neither is ever stored or logged in the clear.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"enlist/internal/files"
	"enlist/internal/regions"
)

// User is an account as the console sees it.
type User struct {
	Name     string
	Role     Role
	Region   string // the division code the account is bound to (2, 4, 6 or 9 digits)
	Disabled bool
	Tokens   int // API tokens in force
}

// Errors a caller tells apart with errors.Is.
var (
	// ErrBadCredentials: the name is unknown or the password wrong; the
	// two are not told apart, so a login form cannot be used to find
	// which names exist.
	ErrBadCredentials = errors.New("wrong user name or password")
	ErrDisabled       = errors.New("the account is disabled")
	ErrBadToken       = errors.New("unknown or revoked API token")
	ErrNoUser         = errors.New("no such user")
	ErrUserExists     = errors.New("user exists")
	ErrWeakPassword   = errors.New("password refused")
	ErrBadName        = errors.New("user name refused")
	ErrBadRegion      = errors.New("region code refused")
	ErrExposed        = errors.New("accounts file is readable by other users")
)

// Password rules. Ten characters is NIST SP 800-63B's floor (8) with room;
// the ceiling keeps a pasted novel from costing a hash.
const (
	MinPasswordLen = 10
	maxPasswordLen = 1024
	maxNameLen     = 32
)

// tokenPrefix marks an enlist API token, so one pasted in the wrong place
// is recognisable and secret scanners can find it.
const tokenPrefix = "enlist_"

// argonCost is the argon2id cost. The default is RFC 9106's second
// recommended setting (t=3, 64 MiB, p=4): a few hundred milliseconds per
// login on an office server, and far too slow to guess at from a stolen file.
type argonCost struct {
	time, memory uint32 // iterations; memory in KiB
	threads      uint8
	keyLen       uint32
}

var defaultCost = argonCost{time: 3, memory: 64 * 1024, threads: 4, keyLen: 32}

// accountsFile is the file's layout.
type accountsFile struct {
	Version int          `json:"version"`
	Users   []storedUser `json:"users"`
}

type storedUser struct {
	Name     string        `json:"name"`
	Role     Role          `json:"role"`
	Region   string        `json:"region"`
	Disabled bool          `json:"disabled,omitempty"`
	Password string        `json:"password"` // argon2id, PHC string form
	Tokens   []storedToken `json:"tokens,omitempty"`
	// Epoch changes when the account's sessions must end: a new password,
	// disabling. A session remembers the epoch it was opened under.
	Epoch   uint64    `json:"epoch"`
	Created time.Time `json:"created"`
	Changed time.Time `json:"changed"`
}

type storedToken struct {
	SHA256  string    `json:"sha256"` // hex SHA-256 of the token; the token itself is shown once
	Created time.Time `json:"created"`
}

func (s storedUser) user() User {
	return User{Name: s.Name, Role: s.Role, Region: s.Region, Disabled: s.Disabled, Tokens: len(s.Tokens)}
}

// Accounts is the accounts file. It reads the file again whenever it
// changes on disk, so `enlist user add` or `disable` takes effect in a
// running `enlist serve` at its next request. Writers in several processes
// take turns through a lock file beside it. Safe for concurrent use.
type Accounts struct {
	path    string
	now     func() time.Time
	cost    argonCost
	hashing chan struct{} // bounds concurrent hashes: each takes cost.memory

	mu     sync.Mutex
	stamp  os.FileInfo // of the file users was read from; nil: no file
	users  map[string]storedUser
	tokens map[string]string // token hash → user name

	dummyOnce sync.Once
	dummy     string // a hash to check unknown names against, so they take as long as known ones
}

// AccountsPathFor is where the accounts of the warehouse at db live:
// enlist.accounts.json beside enlist.duckdb. It is outside the warehouse
// and outside its published copies (db.published/).
func AccountsPathFor(db string) string {
	return strings.TrimSuffix(db, ".duckdb") + ".accounts.json"
}

// OpenAccounts reads the accounts file at path. A missing file is no
// accounts yet (the first Add creates it); one readable by other users is
// refused, as the secret file is.
func OpenAccounts(path string) (*Accounts, error) {
	n := runtime.NumCPU()
	if n > 4 {
		n = 4
	}
	a := &Accounts{path: path, now: time.Now, cost: defaultCost, hashing: make(chan struct{}, n)}
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.refresh(); err != nil {
		return nil, err
	}
	return a, nil
}

// Path is the accounts file.
func (a *Accounts) Path() string { return a.path }

// refresh reads the file again when it is not the one last read. Called
// with mu held.
func (a *Accounts) refresh() error {
	st, err := os.Stat(a.path)
	if errors.Is(err, fs.ErrNotExist) {
		a.stamp, a.users, a.tokens = nil, map[string]storedUser{}, map[string]string{}
		return nil
	}
	if err != nil {
		return fmt.Errorf("accounts file %s: %w", a.path, err)
	}
	// The mode is checked at every look, not only when the contents
	// change: a chmod that exposes the file stops the logins at once.
	if st.Mode().Perm()&0o077 != 0 {
		return fmt.Errorf("%w: %s has mode %v; run chmod 600 %s", ErrExposed, a.path, st.Mode().Perm(), a.path)
	}
	if a.stamp != nil && os.SameFile(a.stamp, st) && a.stamp.ModTime().Equal(st.ModTime()) && a.stamp.Size() == st.Size() {
		return nil
	}
	b, err := os.ReadFile(a.path)
	if err != nil {
		return fmt.Errorf("read accounts file %s: %w", a.path, err)
	}
	var f accountsFile
	if err := json.Unmarshal(b, &f); err != nil {
		return fmt.Errorf("accounts file %s is damaged: %w", a.path, err)
	}
	users := make(map[string]storedUser, len(f.Users))
	tokens := map[string]string{}
	for i, u := range f.Users {
		if err := validName(u.Name); err != nil || !u.Role.Valid() {
			return fmt.Errorf("accounts file %s, user %d: %q with role %v is not a valid account", a.path, i+1, u.Name, u.Role)
		}
		users[u.Name] = u
		for _, t := range u.Tokens {
			tokens[t.SHA256] = u.Name
		}
	}
	a.stamp, a.users, a.tokens = st, users, tokens
	return nil
}

// current returns the account called name as the file now says.
func (a *Accounts) current(name string) (storedUser, bool, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.refresh(); err != nil {
		return storedUser{}, false, err
	}
	u, ok := a.users[name]
	return u, ok, nil
}

// List returns the accounts by name.
func (a *Accounts) List() []User {
	a.mu.Lock()
	defer a.mu.Unlock()
	// On a failed re-read the last good state is listed; Check and
	// CheckToken report the failure and let nobody in.
	_ = a.refresh()
	out := make([]User, 0, len(a.users))
	for _, u := range a.users {
		out = append(out, u.user())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Users is List for a page that must say when the file cannot be read
// (List shows the last good reading).
func (a *Accounts) Users() ([]User, error) {
	a.mu.Lock()
	err := a.refresh()
	a.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return a.List(), nil
}

// Lookup returns the account called name as the file now says.
func (a *Accounts) Lookup(name string) (User, bool) {
	u, ok, err := a.current(normName(name))
	if err != nil || !ok {
		return User{}, false
	}
	return u.user(), true
}

// Add creates an account. The name is letters, digits, '.', '_' or '-'
// (stored in lower case); the region a province, city, county or town code;
// the password at least MinPasswordLen characters and not the name.
func (a *Accounts) Add(name string, role Role, region, password string) error {
	name = normName(name)
	if err := validName(name); err != nil {
		return err
	}
	if !role.Valid() {
		return fmt.Errorf("role %d: use leader, analyst, operator or admin", int(role))
	}
	if err := ValidRegion(region); err != nil {
		return err
	}
	if err := checkPassword(name, password); err != nil {
		return err
	}
	hash, err := a.hashPassword(password)
	if err != nil {
		return err
	}
	return a.mutate(func(users map[string]storedUser) error {
		if _, ok := users[name]; ok {
			return fmt.Errorf("%w: %q already has an account; enlist user passwd %s sets a new password", ErrUserExists, name, name)
		}
		now := a.now().UTC()
		users[name] = storedUser{Name: name, Role: role, Region: region, Password: hash, Epoch: 1, Created: now, Changed: now}
		return nil
	})
}

// SetPassword gives name a new password and ends its sessions.
func (a *Accounts) SetPassword(name, password string) error {
	name = normName(name)
	if err := checkPassword(name, password); err != nil {
		return err
	}
	hash, err := a.hashPassword(password)
	if err != nil {
		return err
	}
	return a.change(name, func(u *storedUser) {
		u.Password = hash
		u.Epoch++
	})
}

// Disable keeps name from logging in or using its tokens, and ends its
// sessions. The account stays, so the audit trail still names it.
func (a *Accounts) Disable(name string) error {
	return a.change(normName(name), func(u *storedUser) {
		u.Disabled = true
		u.Epoch++
	})
}

// Enable lets a disabled account log in again.
func (a *Accounts) Enable(name string) error {
	return a.change(normName(name), func(u *storedUser) { u.Disabled = false })
}

// NewToken makes an API token for name and returns it; only its hash is
// kept, so this is the one time it can be read.
func (a *Accounts) NewToken(name string) (string, error) {
	name = normName(name)
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("new token: %w", err)
	}
	token := tokenPrefix + base64.RawURLEncoding.EncodeToString(raw)
	var disabled bool
	err := a.change(name, func(u *storedUser) {
		if u.Disabled {
			disabled = true
			return
		}
		u.Tokens = append(u.Tokens, storedToken{SHA256: tokenHash(token), Created: a.now().UTC()})
	})
	if err != nil {
		return "", err
	}
	if disabled {
		return "", fmt.Errorf("%w: %s; enlist user enable %s first", ErrDisabled, name, name)
	}
	return token, nil
}

// RevokeTokens withdraws every API token of name.
func (a *Accounts) RevokeTokens(name string) error {
	return a.change(normName(name), func(u *storedUser) { u.Tokens = nil })
}

// Check returns the account when password is name's. Unknown names and
// wrong passwords give the same ErrBadCredentials after the same work; a
// right password on a disabled account gives ErrDisabled.
func (a *Accounts) Check(name, password string) (User, error) {
	u, err := a.check(name, password)
	return u.user(), err
}

func (a *Accounts) check(name, password string) (storedUser, error) {
	name = normName(name)
	u, ok, err := a.current(name)
	if err != nil {
		return storedUser{}, err
	}
	hash := u.Password
	if !ok {
		hash = a.dummyHash()
	}
	match, err := a.verify(hash, password)
	if err != nil {
		return storedUser{}, fmt.Errorf("accounts file %s, user %s: %w", a.path, name, err)
	}
	if !ok || !match {
		return storedUser{}, ErrBadCredentials
	}
	if u.Disabled {
		return storedUser{}, ErrDisabled
	}
	return u, nil
}

// CheckToken returns the account an API token belongs to.
func (a *Accounts) CheckToken(token string) (User, error) {
	u, err := a.checkToken(token)
	return u.user(), err
}

func (a *Accounts) checkToken(token string) (storedUser, error) {
	if !strings.HasPrefix(token, tokenPrefix) || len(token) > 128 {
		return storedUser{}, ErrBadToken
	}
	// The map is keyed by the token's SHA-256: what the lookup's timing
	// could reveal is about the hash, which does not lead back to a token.
	h := tokenHash(token)
	a.mu.Lock()
	err := a.refresh()
	name, ok := a.tokens[h]
	u := a.users[name]
	a.mu.Unlock()
	switch {
	case err != nil:
		return storedUser{}, err
	case !ok:
		return storedUser{}, ErrBadToken
	case u.Disabled:
		return storedUser{}, ErrDisabled
	}
	return u, nil
}

// change applies fn to the stored account called name.
func (a *Accounts) change(name string, fn func(*storedUser)) error {
	return a.mutate(func(users map[string]storedUser) error {
		u, ok := users[name]
		if !ok {
			return fmt.Errorf("%w: %q (enlist user list shows the accounts)", ErrNoUser, name)
		}
		fn(&u)
		u.Changed = a.now().UTC()
		users[name] = u
		return nil
	})
}

// mutate reads the file afresh under the lock file, applies fn and writes
// the result atomically, so two processes changing accounts at once both
// see their change kept.
func (a *Accounts) mutate(fn func(map[string]storedUser) error) error {
	// Another process's change takes milliseconds; a minute's wait means
	// something is stuck, and the message names who holds the lock.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	lock, err := files.WaitLock(ctx, a.path+".lock")
	if err != nil {
		return fmt.Errorf("change accounts (lock held by %s): %w", files.Holder(a.path+".lock"), err)
	}
	defer lock.Unlock()
	a.mu.Lock()
	defer a.mu.Unlock()
	a.stamp = nil // read it again whatever the stamp says: another process may have written it
	if err := a.refresh(); err != nil {
		return err
	}
	users := make(map[string]storedUser, len(a.users)+1)
	for k, v := range a.users {
		users[k] = v
	}
	if err := fn(users); err != nil {
		return err
	}
	f := accountsFile{Version: 1}
	for _, u := range users {
		f.Users = append(f.Users, u)
	}
	sort.Slice(f.Users, func(i, j int) bool { return f.Users[i].Name < f.Users[j].Name })
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return fmt.Errorf("write accounts file %s: %w", a.path, err)
	}
	// Written whole or not at all (a crash mid-write must not lose every
	// account), with mode 0600 whatever the umask.
	if err := files.WriteFile(a.path, append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("accounts: %w", err)
	}
	a.stamp = nil
	return a.refresh()
}

// normName is the form a name is stored and looked up in: trimmed, lower case.
func normName(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// validName accepts letters (Chinese included), digits, '.', '_' and '-',
// starting with a letter or digit: nothing a page, a log line or a shell
// could read as markup or syntax.
func validName(name string) error {
	n := utf8.RuneCountInString(name)
	if n == 0 || n > maxNameLen {
		return fmt.Errorf("%w: %q: give 1 to %d letters, digits, '.', '_' or '-'", ErrBadName, name, maxNameLen)
	}
	for i, r := range name {
		ok := unicode.IsLetter(r) || unicode.IsDigit(r) || (i > 0 && (r == '.' || r == '_' || r == '-'))
		if !ok {
			return fmt.Errorf("%w: %q: use letters, digits, '.', '_' or '-' (starting with a letter or digit)", ErrBadName, name)
		}
	}
	return nil
}

// ValidRegion accepts the code of a province, city, county or town (2, 4,
// 6 or 9 digits): the levels an office, and so an account, sits at.
func ValidRegion(code string) error {
	l := regions.LevelOf(code)
	if l == 0 || l > regions.Town || strings.Trim(code, "0123456789") != "" {
		return fmt.Errorf("%w: %q: give the division code of a province, city, county or town (2, 4, 6 or 9 digits, e.g. 410102)", ErrBadRegion, code)
	}
	return nil
}

func checkPassword(name, password string) error {
	switch {
	case utf8.RuneCountInString(password) < MinPasswordLen:
		return fmt.Errorf("%w: shorter than %d characters", ErrWeakPassword, MinPasswordLen)
	case len(password) > maxPasswordLen:
		return fmt.Errorf("%w: longer than %d bytes", ErrWeakPassword, maxPasswordLen)
	case strings.EqualFold(strings.TrimSpace(password), name):
		return fmt.Errorf("%w: the same as the user name", ErrWeakPassword)
	case strings.TrimSpace(password) == "":
		return fmt.Errorf("%w: only spaces", ErrWeakPassword)
	}
	return nil
}

func tokenHash(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// hashPassword returns password's argon2id hash in the PHC string form
// ($argon2id$v=19$m=…,t=…,p=…$salt$hash), which carries its own cost so
// that a later change of the default still checks older hashes.
func (a *Accounts) hashPassword(password string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	c := a.cost
	key := a.argon([]byte(password), salt, c)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, c.memory, c.time, c.threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// verify tells whether password matches the PHC string hash, comparing in
// constant time.
func (a *Accounts) verify(hash, password string) (bool, error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errors.New("password hash is not argon2id")
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return false, fmt.Errorf("password hash of argon2 version %q", parts[2])
	}
	var c argonCost
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &c.memory, &c.time, &c.threads); err != nil ||
		c.memory == 0 || c.memory > 1<<21 || c.time == 0 || c.time > 64 || c.threads == 0 {
		return false, fmt.Errorf("password hash cost %q", parts[3])
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return false, fmt.Errorf("password hash salt: %w", err)
	}
	want, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil || len(want) < 16 || len(want) > 64 {
		return false, errors.New("password hash value is damaged")
	}
	c.keyLen = uint32(len(want))
	got := a.argon([]byte(password), salt, c)
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// argon computes one hash, waiting for a slot: each takes c.memory, and a
// burst of logins must not take the server's memory with it.
func (a *Accounts) argon(password, salt []byte, c argonCost) []byte {
	a.hashing <- struct{}{}
	defer func() { <-a.hashing }()
	return argon2.IDKey(password, salt, c.time, c.memory, c.threads, c.keyLen)
}

// dummyHash is a hash of a random password at the current cost, for
// unknown names.
func (a *Accounts) dummyHash() string {
	a.dummyOnce.Do(func() {
		raw := make([]byte, 24)
		rand.Read(raw)
		h, err := a.hashPassword(base64.RawStdEncoding.EncodeToString(raw))
		if err != nil {
			h = "$argon2id$v=19$m=8,t=1,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA"
		}
		a.dummy = h
	})
	return a.dummy
}
