package main

import (
	"context"
	"enlist/pipelines/load"
	"fmt"
	"io"
	"strings"

	"enlist/internal/jobs"
)

func runCheck(ctx context.Context, e *env, args []string) error {
	fs := e.newFlags("check", "[FLAGS] PATH...",
		"Read, map and validate extract files exactly as ingest would, and store nothing: the\n"+
			"warehouse file is not written (it may be read-only, or missing). Prints, per file and\n"+
			"sheet, the kind and scope, each header's column and the rule that matched it (exact,\n"+
			"normalised, guessed, enlist.yaml, --map), the rows ingest would accept, reject and flag,\n"+
			"the top reject reasons with example rows (masked), the loads it would replace, and\n"+
			"warnings. The counts are those a following ingest of the same files reports. A file\n"+
			"that would be refused gets the refusal, with what to do; the exit status is then 1.\n"+
			"The work happens on a temporary copy of the warehouse, removed afterwards.",
		"  enlist check 登记.csv\n"+
			"  enlist check --map '户籍地编码=region_code' inbox/\n"+
			"  enlist check --format json 定兵.xls")
	opt, maps, kind := ingestFlags(fs)
	var format string
	fs.StringVar(&format, "format", "text", "text or json")
	paths, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(paths) == 0 {
		return fmt.Errorf("%w: give at least one file or folder", errUsage)
	}
	if format != "text" && format != "json" {
		return fmt.Errorf("%w: --format %q: use text or json", errUsage, format)
	}
	if err := finishIngestFlags(opt, maps, *kind); err != nil {
		return err
	}
	report, checkErr := jobs.Check(ctx, e.site(), paths, *opt, func(file string, rows int) { e.progress("%s: %d rows", file, rows) })
	e.progressDone()
	if report != nil {
		if format == "json" {
			if err := report.WriteJSON(e.stdout); err != nil {
				return err
			}
		} else {
			printCheck(e.stdout, report)
		}
	}
	if checkErr != nil {
		return checkErr
	}
	if n := report.Refused(); n > 0 {
		return fmt.Errorf("%d file(s) would be refused", n)
	}
	return nil
}

func printCheck(w io.Writer, r *jobs.CheckReport) {
	if r.Warehouse == "" {
		fmt.Fprintln(w, "(no warehouse yet: checked against an empty one)")
	}
	for _, f := range r.Files {
		name := f.File
		if f.Sheet != "" {
			name += fmt.Sprintf(" (sheet %s)", f.Sheet)
		}
		switch f.Status {
		case "already_loaded":
			fmt.Fprintf(w, "%s: already loaded (load %d); ingest would change nothing\n", name, f.LoadID)
			continue
		case "refused":
			fmt.Fprintf(w, "%s: would be refused: %s\n", name, f.Refusal)
			continue
		}
		fmt.Fprintf(w, "%s: %s [%s]\n", name, load.KindText(f.Kind, f.ExamType), f.Scope.Text())
		var hs []string
		for _, h := range f.Headers {
			hs = append(hs, fmt.Sprintf("%s → %s (%s)", h.Header, h.Column, h.Rule))
		}
		fmt.Fprintf(w, "  headers: %s\n", strings.Join(hs, "; "))
		if len(f.Ignored) > 0 {
			fmt.Fprintf(w, "  ignored columns: %s\n", strings.Join(f.Ignored, ", "))
		}
		fmt.Fprintf(w, "  rows: %d read, %d would be accepted, %d rejected, %d flagged\n", f.Read, f.Accepted, f.Rejected, f.Flagged)
		reasons := f.ReasonsByCount()
		for i, reason := range reasons {
			if i == 5 {
				fmt.Fprintf(w, "  … %d more reasons\n", len(reasons)-5)
				break
			}
			fmt.Fprintf(w, "  rejected %s: %d\n", reason, f.Reasons[reason])
			for _, ex := range f.Examples[reason] {
				fmt.Fprintf(w, "    row %d, %s %q: %s\n", ex.Line, ex.Column, ex.Raw, ex.Detail)
			}
		}
		for _, rep := range f.Replaces {
			sheet := ""
			if rep.Sheet != "" {
				sheet = fmt.Sprintf(" (sheet %s)", rep.Sheet)
			}
			fmt.Fprintf(w, "  would replace load %d: %s%s\n", rep.LoadID, rep.File, sheet)
		}
		for _, rep := range f.PartlyReplaces {
			fmt.Fprintf(w, "  would replace load %d (%s) for %s only: %d rows\n", rep.LoadID, rep.File, rep.Region, rep.Rows)
		}
		if f.Restores != 0 {
			fmt.Fprintf(w, "  would make the file current again (it was load %d)\n", f.Restores)
		}
		for _, warn := range f.Warnings {
			fmt.Fprintf(w, "  warning: %s\n", warn)
		}
	}
}
