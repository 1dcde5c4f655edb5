package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"enlist/internal/jobs"
	"enlist/internal/synth"
	"enlist/pipelines/load"
	"enlist/reports"
	"enlist/reports/assets"
	"enlist/reports/bulletin"
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
	extracts := filepath.Join(*dir, "extracts")
	if _, err := generate(ctx, e, synth.Options{Province: *province, Year: *year, Registrations: *n,
		Seed: 1, Messy: 0.02, Out: extracts, PriorYears: *years - 1}); err != nil {
		return err
	}
	if err := initWarehouse(ctx, e); err != nil {
		return err
	}
	key, err := e.site().Key()
	if err != nil {
		return err
	}
	wh, err := e.site().Open(ctx)
	if err != nil {
		return err
	}
	start := time.Now()
	results, loadErr := ingest(ctx, e, wh, key, []string{extracts}, load.Options{})
	elapsed := time.Since(start)
	closeErr := wh.Close()
	if closeErr == nil {
		closeErr = e.site().Publish(ctx)
	}
	printDemoSummary(e, results, elapsed)
	if loadErr != nil {
		fmt.Fprintf(e.stdout, "\nfiles refused:\n%v\n", loadErr)
	}
	fmt.Fprintf(e.stdout, "\nwarehouse: %s\nnext: enlist --db %s status\n", e.db, e.db)
	if closeErr != nil {
		return errors.Join(loadErr, closeErr)
	}
	return errors.Join(loadErr, demoBulletin(ctx, e, *province, *year, filepath.Join(*dir, "reports")))
}

// demoBulletin writes the generated province's weekly bulletin as of 31
// August, late in the summer-autumn season, and prints where it went.
func demoBulletin(ctx context.Context, e *env, province string, year int, out string) error {
	s := e.site()
	wh, err := s.OpenReader(ctx, false)
	if err != nil {
		return err
	}
	sig, err := s.Signature()
	if err != nil {
		return errors.Join(err, wh.Close())
	}
	files, err := jobs.WriteReport(ctx, wh, "weekly", reports.Options{Out: out, Options: bulletin.Options{
		Scope: province, AsOf: time.Date(year, 8, 31, 0, 0, 0, 0, time.UTC), Signature: sig}})
	err = errors.Join(err, wh.Close())
	if errors.Is(err, assets.ErrNoBundle) && len(files) == 1 {
		// A binary built without `make assets` still shows the workbook.
		files = append(files, fmt.Sprintf("(no HTML page: %v)", assets.ErrNoBundle))
	} else if err != nil {
		return fmt.Errorf("demo bulletin: %w", err)
	}
	fmt.Fprintf(e.stdout, "\nweekly bulletin (周通报):\n  %s\n", strings.Join(files, "\n  "))
	return nil
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
	type sums struct {
		files, already, read, accepted, rejected, flagged int
		took                                              time.Duration
	}
	by := map[string]*sums{}
	for _, r := range results {
		k := string(r.Kind)
		if r.Status == "already_loaded" {
			k = "(already loaded)"
		}
		s := by[k]
		if s == nil {
			s = &sums{}
			by[k] = s
		}
		s.files++
		s.read += r.Read
		s.accepted += r.Accepted
		s.rejected += r.Rejected
		s.flagged += r.Flagged
		s.took += r.Duration
	}
	kinds := make([]string, 0, len(by))
	for k := range by {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	tw := tabwriter.NewWriter(e.stdout, 0, 2, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "kind\tfiles\tread\taccepted\trejected\tflagged\tseconds\t")
	var tot sums
	for _, k := range kinds {
		s := by[k]
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%.1f\t\n", k, s.files, s.read, s.accepted, s.rejected, s.flagged, s.took.Seconds())
		tot.files += s.files
		tot.read += s.read
		tot.accepted += s.accepted
		tot.rejected += s.rejected
		tot.flagged += s.flagged
	}
	fmt.Fprintf(tw, "total\t%d\t%d\t%d\t%d\t%d\t%.1f\t\n", tot.files, tot.read, tot.accepted, tot.rejected, tot.flagged, elapsed.Seconds())
	tw.Flush()
}
