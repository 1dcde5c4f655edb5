package main

import (
	"context"
	"enlist/internal/jobs"
	"enlist/internal/site"
	"fmt"
	"strconv"
	"strings"
)

func runWithdraw(ctx context.Context, e *env, args []string) error {
	fs := e.newFlags("withdraw", "LOAD_ID [--why TEXT]",
		"Take a wrong load back out: its rows, rejects and flags are removed in one transaction, and its\n"+
			"ledger row stays, marked withdrawn with who, when and why. The load claims no scope any more,\n"+
			"so a rollup no longer carries it. What it had replaced is not brought back: send those files\n"+
			"again to make them current. enlist status lists the loads and their ids.",
		"  enlist withdraw 17 --why \"二七区的文件误投到中原区仓库\"\n"+
			"  enlist --db /srv/enlist/410102.duckdb withdraw 17")
	why := fs.String("why", "", "why the load is withdrawn (kept in the ledger)")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return fmt.Errorf("%w: give one load id (enlist status lists them)", errUsage)
	}
	id, err := strconv.ParseInt(rest[0], 10, 64)
	if err != nil || id <= 0 {
		return fmt.Errorf("%w: load id %q: a positive number from enlist status", errUsage, rest[0])
	}
	w, err := jobs.Withdraw(ctx, e.site(), id, site.Operator(), strings.TrimSpace(*why))
	if w.LoadID == 0 {
		return err
	}
	fmt.Fprintf(e.stdout, "withdrew load %d (%s, %s): removed %d rows, %d rejects, %d flags\n", w.LoadID, w.Kind, w.File, w.Rows, w.Rejects, w.Flags)
	if w.Was == "replaced" {
		fmt.Fprintln(e.stdout, "  it had been replaced already, so no figure changed")
	}
	for _, r := range w.Replaced {
		where := "whole"
		if r.Region != "" {
			where = "for " + r.Region
		}
		fmt.Fprintf(e.stdout, "  it had replaced load %d (%s, %d rows), which is not brought back: send that file again to make it current\n", r.LoadID, where, r.Rows)
	}
	return err
}
