package main

import (
	"context"
	"enlist/internal/jobs"
	"errors"
	"fmt"
	"time"

	"enlist/internal/synth"
)

func runGen(ctx context.Context, e *env, args []string) error {
	fs := e.newFlags("gen", "--province CODE --year Y [--years N] --registrations N --out DIR [--seed S] [--messy RATIO]",
		"Generate realistic synthetic extracts of every kind for one province from the real division\n"+
			"tables: valid identity numbers, both seasons, weekly progress, county quotas summing to the\n"+
			"province's, and a share of messy input (bad numbers and dates, duplicates, header variants,\n"+
			"GB18030 CSV, XLSX with titles and footers). The same seed gives the same files.",
		"  enlist gen --province 41 --year 2025 --registrations 100000 --out extracts/\n"+
			"  enlist gen --province 32 --year 2025 --registrations 1000000 --messy 0 --out big/\n"+
			"  enlist gen --province 41 --year 2025 --years 2 --registrations 50000 --out extracts/   # and 2024")
	var opt synth.Options
	fs.StringVar(&opt.Province, "province", "41", "2-digit province code")
	fs.IntVar(&opt.Year, "year", time.Now().Year()-1, "year")
	fs.IntVar(&opt.Registrations, "registrations", 100000, "registrations across both seasons")
	fs.StringVar(&opt.Out, "out", "", "output folder (required)")
	fs.Int64Var(&opt.Seed, "seed", 1, "random seed")
	fs.Float64Var(&opt.Messy, "messy", 0.02, "share of messy input, 0 to 1")
	years := fs.Int("years", 1, "years to write, ending with --year; earlier ones go to DIR/YEAR (2 gives last year to compare with)")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 || opt.Out == "" {
		return fmt.Errorf("%w: give --out DIR", errUsage)
	}
	if opt.Messy < 0 || opt.Messy > 1 || opt.Registrations <= 0 {
		return fmt.Errorf("%w: --messy must be within 0..1 and --registrations positive", errUsage)
	}
	if *years < 1 || *years > 10 {
		return fmt.Errorf("%w: --years must be within 1..10", errUsage)
	}
	opt.PriorYears = *years - 1
	m, err := generate(ctx, e, opt)
	if err != nil {
		return err
	}
	rows := 0
	for _, f := range m.Files {
		rows += f.Rows
	}
	fmt.Fprintf(e.stdout, "wrote %d files (%d data rows, %d people) to %s\n", len(m.Files), rows, m.People, opt.Out)
	return nil
}

func generate(ctx context.Context, e *env, opt synth.Options) (synth.Manifest, error) {
	m, err := jobs.Generate(ctx, e.site(), opt, func(name string, done, total int) {
		e.progress("generating %s: %d/%d", name, done, total)
	})
	e.progressDone()
	if errors.Is(err, jobs.ErrNotProvince) {
		return m, fmt.Errorf("%w: --province %w", errUsage, err)
	}
	return m, err
}
