package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"

	"enlist/internal/jobs"
	"enlist/internal/site"
	"enlist/pipelines/load"
	"enlist/pipelines/mapping"
)

func runIngest(ctx context.Context, e *env, args []string) error {
	fs := e.newFlags("ingest", "[FLAGS] PATH...",
		"Load extract files (CSV in UTF-8 or GB18030, XLSX; .xls, .et and .ods through LibreOffice)\n"+
			"into the warehouse. Folders are read\n"+
			"recursively. Each file lands whole in one transaction or not at all; a file that is already\n"+
			"the current snapshot (same SHA-256) is skipped, one loaded before but replaced since becomes\n"+
			"current again. A snapshot replaces the earlier snapshots of its scope and regions within it,\n"+
			"and, for its own region only, the rows of an older snapshot covering a larger region.\n"+
			"Rows that fail validation go to the rejects table with file, row, column and reason.\n"+
			"Every sheet of a workbook whose header names a kind is loaded, as one delivery.\n"+
			"Headers are matched by meaning (see README, Extracts); --map and the columns: and\n"+
			"values: sections of enlist.yaml teach enlist an office's own spellings.\n"+
			"enlist check PATH... shows what ingest would do without storing anything.",
		"  enlist ingest inbox/\n"+
			"  enlist ingest --map '户籍地编码=region_code' --map '批准时间=approved_on' 定兵.xls\n"+
			"  enlist ingest --kind registrations --encoding gb18030 登记.csv\n"+
			"  enlist ingest --exam-type physical --year 2025 --season 1 --region 410102 体检.xlsx\n"+
			"  enlist ingest --sheet 汇总 --mode incremental 定兵.xlsx")
	opt, maps, kind := ingestFlags(fs)
	paths, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(paths) == 0 {
		return fmt.Errorf("%w: give at least one file or folder", errUsage)
	}
	if err := finishIngestFlags(opt, maps, *kind); err != nil {
		return err
	}
	opt.LoadedBy = site.Operator()
	in, err := jobs.IngestAndPublish(ctx, e.site(), paths, *opt,
		func(file string, rows int) { e.progress("%s: %d rows", file, rows) },
		func(msg string) { fmt.Fprintln(e.stdout, msg) })
	e.progressDone()
	printResults(e, in.Results)
	return errors.Join(in.Refused, err)
}

// ingestFlags registers the flags ingest and check share.
func ingestFlags(fs *flag.FlagSet) (*load.Options, headerMaps, *string) {
	opt := &load.Options{}
	kind := new(string)
	fs.StringVar(kind, "kind", "", "extract kind: "+strings.Join(mapping.KindNames(), ", ")+" (default: detect from headers and title)")
	fs.StringVar(&opt.Mode, "mode", load.Snapshot, "snapshot (replaces its scope) or incremental (adds)")
	fs.StringVar(&opt.Encoding, "encoding", "", "CSV encoding: utf-8 or gb18030 (default: detect)")
	fs.StringVar(&opt.Sheet, "sheet", "", "workbook sheet name (default: every sheet whose header names a kind)")
	fs.StringVar(&opt.Region, "region", "", "region code the files cover, when they cannot tell")
	fs.IntVar(&opt.Year, "year", 0, "year, when the files have no year column or title")
	fs.IntVar(&opt.Season, "season", 0, "season 1 (上半年) or 2 (下半年), when the files cannot tell")
	fs.StringVar(&opt.ExamType, "exam-type", "", "physical, political or pretraining, for exam files without that column")
	maps := headerMaps{}
	fs.Var(maps, "map", "'HEADER=column': read the header HEADER as the canonical column (repeatable; over enlist.yaml and the built-in aliases)")
	return opt, maps, kind
}

// finishIngestFlags checks the shared flags once parsed.
func finishIngestFlags(opt *load.Options, maps headerMaps, kind string) error {
	if len(maps) > 0 {
		opt.Map = maps
	}
	opt.Kind = mapping.Kind(kind)
	if p := jobs.CheckLoadOptions(*opt); len(p) > 0 {
		return fmt.Errorf("%w: --%s %s", errUsage, p[0].Param, p[0].Message)
	}
	return nil
}

// headerMaps is the repeatable --map HEADER=column flag.
type headerMaps map[string]string

func (m headerMaps) String() string {
	var parts []string
	for h, c := range m {
		parts = append(parts, h+"="+c)
	}
	return strings.Join(parts, ", ")
}

func (m headerMaps) Set(v string) error { return mapping.AddHeaderMap(m, v) }

func printResults(e *env, results []load.Result) {
	for _, r := range results {
		if r.Status == "already_loaded" {
			fmt.Fprintf(e.stdout, "%s: already loaded (load %d), nothing changed\n", r.File, r.LoadID)
			continue
		}
		file := r.File
		if r.Sheet != "" {
			file += fmt.Sprintf(" (sheet %s)", r.Sheet)
		}
		fmt.Fprintf(e.stdout, "%s: %s [%s] load %d: %d read, %d accepted, %d rejected, %d flagged",
			file, load.KindText(string(r.Kind), r.ExamType), r.Scope.Text(), r.LoadID, r.Read, r.Accepted, r.Rejected, r.Flagged)
		if r.Restores != 0 {
			fmt.Fprintf(e.stdout, ", makes the file current again (it was load %d, %s since)", r.Restores, r.RestoredStatus)
		}
		if len(r.Replaced) > 0 {
			fmt.Fprintf(e.stdout, ", replaced load %v", r.Replaced)
		}
		for _, p := range r.PartlyReplaced {
			fmt.Fprintf(e.stdout, ", replaced load %d for %s only (%d rows; it stays in force elsewhere)", p.LoadID, p.Region, p.Rows)
		}
		fmt.Fprintln(e.stdout)
		for _, w := range r.Warnings {
			fmt.Fprintf(e.stdout, "  warning: %s\n", w)
		}
	}
}
