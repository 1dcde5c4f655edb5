package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"enlist/internal/jobs"
	"enlist/pipelines/export"
	"enlist/pipelines/rollup"
)

// stringList is a repeatable flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

func runRollup(ctx context.Context, e *env, args []string) error {
	fs := e.newFlags("rollup", "--into PROVINCE_DB [--withdraw SOURCE]... SOURCE...",
		"Consolidate what counties and cities deliver into the province's warehouse. A SOURCE is a\n"+
			"county's or city's warehouse file (read read-only; its published copy <file>.published/current\n"+
			"when there is one, so the county's running ingest does not block the rollup) or an extract\n"+
			"folder (loaded through the ordinary loader; needs the secret). A source's current loads replace\n"+
			"its earlier delivery, all in one transaction; an unchanged source changes nothing. A source\n"+
			"claiming a scope (kind, year, season, region) another source already claims is refused with\n"+
			"both named; the rest land. Offices share the provincial secret, so people match across sources.\n"+
			"The province warehouse is published for readers afterwards.",
		"  enlist rollup --into henan.duckdb counties/410102.duckdb counties/410103.duckdb\n"+
			"  enlist rollup --into henan.duckdb --secret-file /etc/enlist/henan.secret zhengzhou.duckdb inbox/410105/\n"+
			"  enlist rollup --into henan.duckdb --withdraw counties/410102.duckdb zhengzhou.duckdb   # the city takes over")
	into := fs.String("into", "", "the province's warehouse file (required; create it first with enlist --db FILE init)")
	var withdraw stringList
	fs.Var(&withdraw, "withdraw", "remove the current delivery of this source (path or region code); repeatable")
	sources, err := parse(fs, args)
	if err != nil {
		return err
	}
	if *into == "" {
		return fmt.Errorf("%w: give --into PROVINCE_DB", errUsage)
	}
	if len(sources) == 0 && len(withdraw) == 0 {
		return fmt.Errorf("%w: give at least one source (warehouse file or extract folder)", errUsage)
	}
	// The province warehouse is this command's warehouse: its secret,
	// configuration and published copy are found beside it.
	e.db = *into
	rep, err := jobs.Rollup(ctx, e.site(), sources, withdraw, func(source, step string) { e.progress("rollup %s: %s", source, step) })
	e.progressDone()
	printRollup(e, rep)
	return err
}

func printRollup(e *env, rep rollup.Report) {
	tw := tabwriter.NewWriter(e.stdout, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, "SOURCE\tSTATUS\tREGION\tDELIVERY\tLOADS\tROWS\tNOTE")
	for _, o := range rep.Outcomes {
		note := ""
		switch {
		case o.Err != nil:
			note = "see below"
		case len(o.Replaced) > 0:
			note = fmt.Sprintf("replaced delivery %v", o.Replaced)
		case o.ReadPath != "" && o.ReadPath != o.Path:
			note = "read " + filepath.Base(o.ReadPath)
		}
		if o.Skipped > 0 {
			note = strings.TrimSpace(note + fmt.Sprintf(" (%d regions extract(s) not carried)", o.Skipped))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t%s\n", o.Source, o.Status, o.Region, o.Delivery, o.Loads, o.Rows, note)
	}
	tw.Flush()
	switch {
	case rep.Published != "":
		fmt.Fprintf(e.stdout, "province warehouse %s published as %s\n", rep.Into, rep.Published)
	case !rep.Changed:
		fmt.Fprintf(e.stdout, "province warehouse %s unchanged\n", rep.Into)
	}
}

func runExport(ctx context.Context, e *env, args []string) error {
	fs := e.newFlags("export", "--out DIR [--kind K]...",
		"Write the curated tables (quotas, registrations, exams, approvals, resettlement) as\n"+
			"Hive-partitioned Parquet, DIR/kind=K/year=Y/province=PP/*.parquet, for Spark or Trino.\n"+
			"People appear only as pseudonyms. Reads the warehouse's published copy, so a running load\n"+
			"neither blocks the export nor shows in it half done. DIR/_export.json says what was written.",
		"  enlist export --out /srv/handoff/parquet\n"+
			"  enlist --db henan.duckdb export --out parquet --kind registrations --kind approvals\n"+
			"  duckdb -c \"SELECT province, count(*) FROM read_parquet('parquet/kind=registrations/**/*.parquet', hive_partitioning=true) GROUP BY 1\"")
	out := fs.String("out", "", "folder to write into (required); each kind's folder is replaced whole")
	var kinds stringList
	fs.Var(&kinds, "kind", "kind to export: "+strings.Join(export.Kinds(), ", ")+" (repeatable; default all)")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if *out == "" || len(rest) > 0 {
		return fmt.Errorf("%w: give --out DIR and no other arguments", errUsage)
	}
	chosen, err := jobs.ExportKinds(kinds)
	if err != nil {
		return fmt.Errorf("%w: --kind %w", errUsage, err)
	}
	note, err := jobs.Export(ctx, e.site(), *out, chosen, func(kind string) { e.progress("export %s", kind) })
	e.progressDone()
	if err != nil {
		return err
	}
	for _, w := range note.Kinds {
		fmt.Fprintf(e.stdout, "%-14s %9d rows  %4d files  %3d partitions\n", w.Kind, w.Rows, w.Files, len(w.Partitions))
	}
	fmt.Fprintf(e.stdout, "wrote %s (read from %s); see %s\n", *out, note.ReadFrom, filepath.Join(*out, export.NoteFile))
	return nil
}
