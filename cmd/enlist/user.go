package main

import (
	"context"
	"enlist/internal/regions"
	"enlist/internal/site"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"

	"enlist/web/auth"
)

func runUser(ctx context.Context, e *env, args []string) error {
	fl := e.newFlags("user", "add|list|disable|enable|passwd|token [NAME] [FLAGS]",
		"Manage the web console's accounts (enlist serve --http). Each account has a role and is bound\n"+
			"to one region: it sees that region and what lies under it, never a sibling or a parent.\n"+
			"Roles: leader (bulletins, figures) < analyst (+ data quality, data dictionary) <\n"+
			"operator (+ runs, files, re-running a job) < admin (+ accounts).\n\n"+
			"The accounts live beside the warehouse (enlist.accounts.json beside enlist.duckdb, mode 0600),\n"+
			"never inside it: enlist sql, the published copy and exports cannot read them. Passwords are kept\n"+
			"as argon2id hashes, API tokens as SHA-256 hashes. A running enlist serve picks changes up at once.\n\n"+
			"  add NAME --role ROLE --region CODE   new account; the password is asked for on the terminal\n"+
			"                                       (twice, not shown), or read from --password-file\n"+
			"  list                                 the accounts\n"+
			"  disable NAME / enable NAME           stop (and end the sessions of) an account, or restore it\n"+
			"  passwd NAME                          a new password (ends the account's sessions)\n"+
			"  token NAME [--revoke]                print a new API token for other systems, shown this once\n"+
			"                                       (only its hash is kept); --revoke withdraws all of NAME's\n\n"+
			fmt.Sprintf("Passwords: at least %d characters, not the user name.", auth.MinPasswordLen),
		"  enlist user add wang --role operator --region 410102\n"+
			"  enlist user add zz-leader --role leader --region 4101 --password-file /root/pw.txt\n"+
			"  enlist user list\n"+
			"  enlist user passwd wang\n"+
			"  enlist user disable wang\n"+
			"  TOKEN=$(enlist user token province-dashboard)    # then: curl -H \"Authorization: Bearer $TOKEN\" …\n"+
			"  enlist user token province-dashboard --revoke")
	role := fl.String("role", "", "add: leader, analyst, operator or admin")
	region := fl.String("region", "", "add: the division code the account is bound to (province, city, county or town, e.g. 410102)")
	pwFile := fl.String("password-file", "", "add, passwd: read the password from this file's first line (- for standard input) instead of asking")
	revoke := fl.Bool("revoke", false, "token: withdraw every API token of NAME instead of making one")
	rest, err := parse(fl, args)
	if err != nil {
		return err
	}
	if len(rest) == 0 {
		return fmt.Errorf("%w: say what to do: add, list, disable, enable, passwd or token", errUsage)
	}
	sub, rest := rest[0], rest[1:]
	set := map[string]bool{}
	fl.Visit(func(f *flag.Flag) { set[f.Name] = true })
	allowed := map[string][]string{
		"add": {"role", "region", "password-file"}, "list": nil, "disable": nil, "enable": nil,
		"passwd": {"password-file"}, "token": {"revoke"},
	}
	ok, known := allowed[sub]
	if !known {
		return fmt.Errorf("%w: unknown subcommand %q: use add, list, disable, enable, passwd or token", errUsage, sub)
	}
	for _, name := range []string{"role", "region", "password-file", "revoke"} {
		if set[name] && !slices.Contains(ok, name) {
			return fmt.Errorf("%w: --%s does not apply to user %s", errUsage, name, sub)
		}
	}
	wantArgs := 1
	if sub == "list" {
		wantArgs = 0
	}
	if len(rest) != wantArgs {
		if wantArgs == 0 {
			return fmt.Errorf("%w: user list takes no arguments", errUsage)
		}
		return fmt.Errorf("%w: user %s takes one user name", errUsage, sub)
	}

	var r auth.Role
	var code, regionName string
	if sub == "add" {
		if *role == "" {
			return fmt.Errorf("%w: give --role leader, analyst, operator or admin", errUsage)
		}
		if r, err = auth.ParseRole(*role); err != nil {
			return fmt.Errorf("%w: --role: %v", errUsage, err)
		}
		if code, regionName, err = auth.AccountRegion(*region); err != nil {
			return fmt.Errorf("%w: --region %w", errUsage, err)
		}
	}

	// The accounts belong to a warehouse: a mistyped --db must not start
	// a second set of accounts somewhere else.
	if err := e.site().Missing(); err != nil {
		return err
	}
	acc, err := auth.OpenAccountAdmin(e.db, site.Operator())
	if err != nil {
		return err
	}
	acc.Unrecorded = func(err error) {
		fmt.Fprintf(e.stderr, "enlist user: warning: not recorded in the audit trail: %v\n", err)
	}
	name := ""
	if len(rest) > 0 {
		name = strings.ToLower(strings.TrimSpace(rest[0]))
	}
	switch sub {
	case "list":
		return listUsers(e.stdout, acc.List())
	case "add", "passwd":
		check := acc.CheckNew
		if sub == "passwd" {
			check = acc.CheckExisting
		}
		if err := check(name); err != nil {
			return err
		}
		pw, err := readPassword(e, *pwFile, name)
		if err != nil {
			return err
		}
		if sub == "passwd" {
			if err := acc.SetPassword(name, pw); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "new password for %s; its sessions have ended\n", name)
			return nil
		}
		u, err := acc.Add(name, r, code, pw)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "added %s: %s of %s %s\n", u.Name, u.Role, u.Region, regionName)
	case "disable":
		if err := acc.Disable(name); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "disabled %s: it can no longer log in or use its tokens, and its sessions have ended\n", name)
	case "enable":
		if err := acc.Enable(name); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "enabled %s\n", name)
	case "token":
		if *revoke {
			if err := acc.RevokeTokens(name); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "revoked every API token of %s\n", name)
			return nil
		}
		token, err := acc.NewToken(name)
		if err != nil {
			return err
		}
		// The token alone on standard output, so TOKEN=$(enlist user token x)
		// works; the advice on standard error.
		fmt.Fprintln(e.stdout, token)
		fmt.Fprintf(e.stderr, "API token for %s, shown this once (only its hash is kept): send it as 'Authorization: Bearer TOKEN'; enlist user token %s --revoke withdraws it\n", name, name)
	}
	return nil
}

func listUsers(w io.Writer, users []auth.User) error {
	if len(users) == 0 {
		fmt.Fprintln(w, "no accounts yet: enlist user add NAME --role ROLE --region CODE makes one")
		return nil
	}
	table, err := regions.Builtin()
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tROLE\tREGION\tSTATUS\tTOKENS\tREGION NAME")
	for _, u := range users {
		status := "active"
		if u.Disabled {
			status = "disabled"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\n", u.Name, u.Role, u.Region, status, u.Tokens, table.Name(u.Region))
	}
	return tw.Flush()
}

// readPassword reads a new password from the file given, or asks for it
// twice on the terminal without echoing it.
func readPassword(e *env, file, name string) (string, error) {
	if file != "" {
		return auth.ReadPasswordFile(file, os.Stdin)
	}
	pw, err := auth.AskNewPassword(os.Stdin, e.stderr, name)
	if errors.Is(err, auth.ErrNoTerminal) {
		return "", fmt.Errorf("%w: %w: give --password-file FILE (or - for standard input)", errUsage, err)
	}
	return pw, err
}
