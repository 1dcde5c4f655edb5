package main

import (
	"context"
	"fmt"
	"text/tabwriter"

	"enlist/internal/site"
)

func runStatus(ctx context.Context, e *env, args []string) error {
	fs := e.newFlags("status", "[FLAGS]", "Show the load ledger in brief (latest loads first), then rejects and flags by reason.",
		"  enlist status\n  enlist status --limit 100")
	limit := fs.Int("limit", 20, "ledger rows to show")
	if rest, err := parse(fs, args); err != nil || len(rest) > 0 {
		return usageIf(err, "status takes no arguments")
	}
	s := e.site()
	wh, err := s.OpenReader(ctx, false)
	if err != nil {
		return err
	}
	defer wh.Close()
	st, err := site.ReadStatus(ctx, wh.DB(), *limit)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "warehouse %s: %d files loaded (%d current, %d replaced by newer snapshots, %d withdrawn)\n\n",
		e.db, st.Files, st.Loaded, st.Files-st.Loaded-st.Withdrawn, st.Withdrawn)
	tw := tabwriter.NewWriter(e.stdout, 0, 2, 2, ' ', 0)
	// WARNINGS is what the flags view holds now; AT LOAD is what the load
	// counted, kept as history.
	loc, zone := s.Zone()
	fmt.Fprintf(tw, "LOAD\tKIND\tSCOPE\tREAD\tACCEPTED\tREJECTED\tWARNINGS\tAT LOAD\tSTATUS\tFINISHED (%s)\tFILE\n", zone)
	for _, l := range st.Loads {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%s\t%s\t%s\n", l.ID, l.Kind, l.Scope, l.Read, l.Accepted, l.Rejected,
			l.Warnings, l.AtLoad, l.Status, l.Finished.In(loc).Format("2006-01-02 15:04"), l.File)
	}
	tw.Flush()
	for i, w := range st.Withdrawals {
		if i == 0 {
			fmt.Fprintln(e.stdout, "\nWithdrawn loads:")
		}
		why := w.Reason
		if why == "" {
			why = "(no reason given)"
		}
		fmt.Fprintf(e.stdout, "  load %d %s: withdrawn %s UTC by %s: %s\n", w.ID, w.File, w.At, w.By, why)
	}
	printReasons(e, "\nRejected rows by reason (current files):", st.Rejects)
	printReasons(e, "\nFlags by reason (kept rows):", st.Flags)
	return nil
}

func printReasons(e *env, title string, counts []site.ReasonCount) {
	fmt.Fprintln(e.stdout, title)
	tw := tabwriter.NewWriter(e.stdout, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, "  REASON\tROWS\tFILES")
	for _, c := range counts {
		fmt.Fprintf(tw, "  %s\t%d\t%d\n", c.Reason, c.Rows, c.Files)
	}
	if len(counts) == 0 {
		fmt.Fprintln(tw, "  (none)\t\t")
	}
	tw.Flush()
}
