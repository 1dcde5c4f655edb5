package auth

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"enlist/internal/regions"
	"enlist/web/audit"
)

// AccountAdmin changes a warehouse's accounts on behalf of an operator at the
// machine (enlist user), recording each change in the warehouse's audit
// trail as the console records its own.
type AccountAdmin struct {
	*Accounts
	db, by string
	// Unrecorded hears of a change made but missing from the audit trail:
	// worth a warning, not a failure.
	Unrecorded func(error)
}

// OpenAccountAdmin opens the accounts kept beside the warehouse db; by names who
// makes the changes in the trail.
func OpenAccountAdmin(db, by string) (*AccountAdmin, error) {
	acc, err := OpenAccounts(AccountsPathFor(db))
	if err != nil {
		return nil, err
	}
	return &AccountAdmin{Accounts: acc, db: db, by: by, Unrecorded: func(error) {}}, nil
}

// record adds one account change to the audit trail.
func (a *AccountAdmin) record(what string) {
	log, err := audit.Open(audit.PathFor(a.db))
	if err == nil {
		err = errors.Join(log.Record(audit.Entry{User: a.by, Addr: "command line", Action: audit.AccountChange, Target: what}), log.Close())
	}
	if err != nil {
		a.Unrecorded(err)
	}
}

// AccountRegion checks the region a new account is to be bound to: a
// province, city, county or town the built-in division table knows. It
// returns the normalised code and the division's name.
func AccountRegion(region string) (code, name string, err error) {
	if code = regions.NormaliseCode(region); code == "" {
		return "", "", fmt.Errorf("%q is not a division code: give a province, city, county or town code such as 410102", region)
	}
	if err := ValidRegion(code); err != nil {
		return "", "", err
	}
	table, err := regions.Builtin()
	if err != nil {
		return "", "", err
	}
	if _, known := table.Lookup(code); !known {
		return "", "", fmt.Errorf("%s is not a division the warehouse knows (统计用区划代码): check the code", code)
	}
	return code, table.Name(code), nil
}

// CheckNew refuses a name that already has an account, before anyone is
// asked for a password.
func (a *AccountAdmin) CheckNew(name string) error {
	name = normName(name)
	if _, exists := a.Lookup(name); exists {
		return fmt.Errorf("%w: %q already has an account; enlist user passwd %s sets a new password", ErrUserExists, name, name)
	}
	return nil
}

// CheckExisting refuses a name that has no account.
func (a *AccountAdmin) CheckExisting(name string) error {
	if _, exists := a.Lookup(name); !exists {
		return fmt.Errorf("%w: %q (enlist user list shows the accounts)", ErrNoUser, name)
	}
	return nil
}

// Add creates an account (see Accounts.Add) and returns it as stored.
func (a *AccountAdmin) Add(name string, role Role, region, password string) (User, error) {
	if err := a.Accounts.Add(name, role, region, password); err != nil {
		return User{}, err
	}
	u, _ := a.Lookup(normName(name))
	a.record(fmt.Sprintf("add %s role=%s region=%s", u.Name, u.Role, u.Region))
	return u, nil
}

// SetPassword gives name a new password, ending its sessions.
func (a *AccountAdmin) SetPassword(name, password string) error {
	if err := a.Accounts.SetPassword(name, password); err != nil {
		return err
	}
	a.record("passwd " + normName(name))
	return nil
}

// Disable stops name's logins and tokens and ends its sessions.
func (a *AccountAdmin) Disable(name string) error {
	if err := a.Accounts.Disable(name); err != nil {
		return err
	}
	a.record("disable " + normName(name))
	return nil
}

// Enable restores a disabled account.
func (a *AccountAdmin) Enable(name string) error {
	if err := a.Accounts.Enable(name); err != nil {
		return err
	}
	a.record("enable " + normName(name))
	return nil
}

// NewToken makes an API token for name; only its hash is kept.
func (a *AccountAdmin) NewToken(name string) (string, error) {
	token, err := a.Accounts.NewToken(name)
	if err != nil {
		return "", err
	}
	a.record("token new " + normName(name))
	return token, nil
}

// RevokeTokens withdraws every API token of name.
func (a *AccountAdmin) RevokeTokens(name string) error {
	if err := a.Accounts.RevokeTokens(name); err != nil {
		return err
	}
	a.record("token revoke " + normName(name))
	return nil
}

// ReadPasswordFile reads a password from the first line of file, or of
// stdin when file is "-" (a line end, \n or \r\n, is not part of it).
func ReadPasswordFile(file string, stdin io.Reader) (string, error) {
	var b []byte
	var err error
	if file == "-" {
		b, err = io.ReadAll(io.LimitReader(stdin, 4096))
	} else {
		b, err = os.ReadFile(file)
	}
	if err != nil {
		return "", fmt.Errorf("read password file: %w", err)
	}
	line, _, _ := strings.Cut(string(b), "\n")
	return strings.TrimSuffix(line, "\r"), nil
}
