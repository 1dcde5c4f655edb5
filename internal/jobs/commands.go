package jobs

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"time"

	"enlist/internal/regions"
	"enlist/internal/site"
	"enlist/internal/synth"
	"enlist/pipelines/load"
	"enlist/pipelines/rollup"
	"enlist/reports"
	"enlist/reports/assets"
	"enlist/reports/bulletin"
)

// The operations an operator runs at the machine (enlist ingest,
// withdraw, gen, demo) as whole steps: the warehouse opened, written,
// closed and published, so that the command only parses its flags and
// prints what came back.

// Ingested is what an ingest of files did: each file's result, and the
// files refused (nil when none was).
type Ingested struct {
	Results []load.Result
	Refused error
}

// IngestAndPublish loads paths into the site's warehouse and publishes it
// for readers: the files that loaded are committed even when another was
// refused, so readers get them either way. The error is the warehouse's
// (not opened, closed or published); refused files are in Refused.
func IngestAndPublish(ctx context.Context, s *site.Site, paths []string, opt load.Options,
	progress load.Progress, notice func(string)) (Ingested, error) {
	// The warehouse first: a mistyped --db is named as such, not as a
	// missing secret beside it.
	wh, err := s.Open(ctx)
	if err != nil {
		return Ingested{}, err
	}
	key, err := s.Key()
	if err != nil {
		return Ingested{}, errors.Join(err, wh.Close())
	}
	var in Ingested
	in.Results, in.Refused = Ingest(ctx, s, wh, key, paths, opt, progress, notice)
	if err := wh.Close(); err != nil {
		return in, err
	}
	return in, s.Publish(ctx)
}

// Withdraw takes load id back out of the site's warehouse (load.Withdraw)
// and publishes the warehouse without it. The withdrawal is returned when
// it was made, even if publishing then failed.
func Withdraw(ctx context.Context, s *site.Site, id int64, by, why string) (load.Withdrawal, error) {
	wh, err := s.Open(ctx)
	if err != nil {
		return load.Withdrawal{}, err
	}
	w, err := load.Withdraw(ctx, wh, id, by, why)
	if err == nil {
		keepWarnings(ctx, s, wh)
	}
	if cerr := wh.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return load.Withdrawal{}, err
	}
	return w, s.Publish(ctx)
}

// ErrNotProvince: synthetic extracts are generated for a province code.
var ErrNotProvince = errors.New("not a province code")

// Generate writes a province's synthetic extracts (synth.Generate), the
// province checked against the built-in division table; progress hears of
// each file.
func Generate(ctx context.Context, s *site.Site, opt synth.Options, progress func(province string, done, total int)) (synth.Manifest, error) {
	tab, err := regions.Builtin()
	if err != nil {
		return synth.Manifest{}, err
	}
	if _, ok := tab.Lookup(opt.Province); !ok || len(opt.Province) != 2 {
		return synth.Manifest{}, fmt.Errorf("%q is %w (e.g. 41 for 河南省)", opt.Province, ErrNotProvince)
	}
	start := time.Now()
	m, err := synth.Generate(ctx, opt, tab, func(done, total int) { progress(tab.Name(opt.Province), done, total) })
	if err != nil {
		return m, err
	}
	s.Logger().Info("generated extracts", "province", opt.Province, "files", len(m.Files), "seconds", time.Since(start).Seconds())
	return m, nil
}

// DemoOptions say what enlist demo generates and where: the extracts in
// Dir/extracts, the bulletin in Dir/reports; the site's warehouse is
// created if need be.
type DemoOptions struct {
	Dir           string
	Province      string
	Year          int
	Registrations int
	Years         int // ending with Year, for year-on-year figures

	// What the steps report as they go.
	Generating  func(province string, done, total int)
	Initialised func(site.Initialised)
	Loading     load.Progress
	Notice      func(string)
}

// Demo is what a demo run did.
type Demo struct {
	Loaded   bool // the extracts went through ingest (Ingested and Took hold)
	Ingested Ingested
	Took     time.Duration
	Bulletin []string // the files of the weekly bulletin
	NoPage   error    // why the bulletin has no HTML page (a binary built without its assets)
}

// RunDemo generates a province (a little messy), creates the warehouse,
// loads every extract, publishes, and writes the province's weekly
// bulletin as of 31 August, late in the summer-autumn season. Running it
// again changes nothing.
func RunDemo(ctx context.Context, s *site.Site, opt DemoOptions) (Demo, error) {
	var d Demo
	extracts := filepath.Join(opt.Dir, "extracts")
	if _, err := Generate(ctx, s, synth.Options{Province: opt.Province, Year: opt.Year, Registrations: opt.Registrations,
		Seed: 1, Messy: 0.02, Out: extracts, PriorYears: opt.Years - 1}, opt.Generating); err != nil {
		return d, err
	}
	done, err := s.Init(ctx)
	opt.Initialised(done)
	if err != nil {
		return d, err
	}
	start := time.Now()
	d.Ingested, err = IngestAndPublish(ctx, s, []string{extracts}, load.Options{}, opt.Loading, opt.Notice)
	d.Loaded, d.Took = true, time.Since(start)
	if err != nil {
		return d, err
	}
	d.Bulletin, err = demoBulletin(ctx, s, opt.Province, opt.Year, filepath.Join(opt.Dir, "reports"))
	if errors.Is(err, assets.ErrNoBundle) && len(d.Bulletin) == 1 {
		// A binary built without `make assets` still shows the workbook.
		d.NoPage, err = assets.ErrNoBundle, nil
	}
	return d, err
}

func demoBulletin(ctx context.Context, s *site.Site, province string, year int, out string) ([]string, error) {
	wh, err := s.OpenReader(ctx, false)
	if err != nil {
		return nil, err
	}
	sig, err := s.Signature()
	if err != nil {
		return nil, errors.Join(err, wh.Close())
	}
	files, err := WriteReport(ctx, wh, "weekly", reports.Options{Out: out, Options: bulletin.Options{
		Scope: province, AsOf: time.Date(year, 8, 31, 0, 0, 0, 0, time.UTC), Signature: sig}})
	err = errors.Join(err, wh.Close())
	if err != nil && !(errors.Is(err, assets.ErrNoBundle) && len(files) == 1) {
		return files, fmt.Errorf("demo bulletin: %w", err)
	}
	return files, err
}

// KindTotal sums the results of one kind.
type KindTotal struct {
	Kind                                     string // "(already loaded)" for the files skipped as such
	Files, Read, Accepted, Rejected, Flagged int
	Took                                     time.Duration
}

// TotalsByKind sums load results by kind, in kind order, and over all.
func TotalsByKind(results []load.Result) (byKind []KindTotal, all KindTotal) {
	at := map[string]int{}
	for _, r := range results {
		k := string(r.Kind)
		if r.Status == "already_loaded" {
			k = "(already loaded)"
		}
		i, ok := at[k]
		if !ok {
			i = len(byKind)
			at[k] = i
			byKind = append(byKind, KindTotal{Kind: k})
		}
		t := &byKind[i]
		t.Files++
		t.Read += r.Read
		t.Accepted += r.Accepted
		t.Rejected += r.Rejected
		t.Flagged += r.Flagged
		t.Took += r.Duration
	}
	sort.Slice(byKind, func(i, j int) bool { return byKind[i].Kind < byKind[j].Kind })
	all.Kind = "total"
	for _, t := range byKind {
		all.Files += t.Files
		all.Read += t.Read
		all.Accepted += t.Accepted
		all.Rejected += t.Rejected
		all.Flagged += t.Flagged
		all.Took += t.Took
	}
	return byKind, all
}

// Rollup consolidates sources into the site's warehouse, the province's
// (rollup.Run with the site's settings and secret), withdrawing the
// deliveries of the sources in withdraw first; progress hears each step.
func Rollup(ctx context.Context, s *site.Site, sources, withdraw []string, progress func(source, step string)) (rollup.Report, error) {
	if _, err := os.Stat(s.DB); errors.Is(err, fs.ErrNotExist) {
		return rollup.Report{}, fmt.Errorf("no warehouse at %s: check --into; enlist --db %s init creates the province's warehouse and records its secret's fingerprint", s.DB, s.DB)
	}
	opt, err := s.RollupOptions(withdraw)
	if err != nil {
		return rollup.Report{}, err
	}
	opt.Progress = progress
	return rollup.Run(ctx, s.DB, sources, opt)
}
