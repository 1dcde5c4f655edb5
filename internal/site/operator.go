package site

import (
	"os"
	"os/user"
)

// Operator names who runs a command at the machine, for the ledger and
// the audit trail: the system user, else $USER.
func Operator() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	if v := os.Getenv("USER"); v != "" {
		return v
	}
	return "unknown"
}
