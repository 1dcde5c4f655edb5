package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"enlist/internal/jobs"
	"enlist/internal/site"
	"enlist/pipelines/load"
)

func runDemo(ctx context.Context, e *env, args []string) error {
	fs := e.newFlags("demo", "[--dir DIR] [--registrations N]",
		"Show enlist end to end on synthetic data: create a warehouse and secret in DIR, generate a\n"+
			"mid-size province (河南省, about 100,000 registrations, a little messy input), load every\n"+
			"extract, print a summary per kind, and write the province's weekly bulletin (XLSX and HTML,\n"+
			"as of 31 August) into DIR/reports. The year before is generated and loaded too, so\n"+
			"metrics_year_on_year shows last year's figures. Running it again changes nothing.\n"+
			"--province 53 generates 云南省 instead, a province of many peoples: about a third of its\n"+
			"registrations are of ethnic minorities (河南's are about 1 %), shown in the bulletin's\n"+
			"少数民族 lines; in both, most counties set a female quota (女兵).",
		"  enlist demo\n  enlist demo --dir /tmp/enlist-demo --registrations 20000\n  enlist demo --province 53 --dir demo-yunnan")
	dir := fs.String("dir", "demo", "folder for the extracts, warehouse and secret")
	n := fs.Int("registrations", 100000, "registrations to generate")
	province := fs.String("province", "41", "province code")
	year := fs.Int("year", 2025, "year")
	years := fs.Int("years", 2, "years to generate, ending with --year (2: last year too, for year-on-year comparison)")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return fmt.Errorf("%w: demo takes no arguments", errUsage)
	}
	if *years < 1 || *years > 10 {
		return fmt.Errorf("%w: --years must be within 1..10", errUsage)
	}
	if !flagGiven(fs, "db") {
		e.db = filepath.Join(*dir, "enlist.duckdb")
	}
	d, err := jobs.RunDemo(ctx, e.site(), jobs.DemoOptions{Dir: *dir, Province: *province, Year: *year, Registrations: *n, Years: *years,
		Generating:  func(name string, done, total int) { e.progress("generating %s: %d/%d", name, done, total) },
		Initialised: func(done site.Initialised) { e.progressDone(); printInit(e, done) },
		Loading:     func(file string, rows int) { e.progress("%s: %d rows", file, rows) },
		Notice:      func(msg string) { fmt.Fprintln(e.stdout, msg) }})
	e.progressDone()
	if errors.Is(err, jobs.ErrNotProvince) {
		return fmt.Errorf("%w: --province %w", errUsage, err)
	}
	if d.Loaded {
		printDemoSummary(e, d.Ingested.Results, d.Took)
		if d.Ingested.Refused != nil {
			fmt.Fprintf(e.stdout, "\nfiles refused:\n%v\n", d.Ingested.Refused)
		}
		fmt.Fprintf(e.stdout, "\nwarehouse: %s\nnext: enlist --db %s status\n", e.db, e.db)
	}
	if len(d.Bulletin) > 0 {
		if d.NoPage != nil {
			d.Bulletin = append(d.Bulletin, fmt.Sprintf("(no HTML page: %v)", d.NoPage))
		}
		fmt.Fprintf(e.stdout, "\nweekly bulletin (周通报):\n  %s\n", strings.Join(d.Bulletin, "\n  "))
	}
	return errors.Join(d.Ingested.Refused, err)
}

func flagGiven(fs *flag.FlagSet, name string) bool {
	given := false
	fs.Visit(func(f *flag.Flag) {
		if f.Name == name {
			given = true
		}
	})
	return given
}

func printDemoSummary(e *env, results []load.Result, elapsed time.Duration) {
	byKind, all := jobs.TotalsByKind(results)
	all.Took = elapsed
	tw := tabwriter.NewWriter(e.stdout, 0, 2, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "kind\tfiles\tread\taccepted\trejected\tflagged\tseconds\t")
	for _, s := range append(byKind, all) {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%.1f\t\n", s.Kind, s.Files, s.Read, s.Accepted, s.Rejected, s.Flagged, s.Took.Seconds())
	}
	tw.Flush()
}
