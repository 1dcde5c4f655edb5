package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"enlist/bench"
)

func runBench(ctx context.Context, e *env, args []string) error {
	if len(args) > 0 && args[0] == "limit" {
		return runBenchLimit(ctx, e, args[1:])
	}
	if len(args) > 0 && args[0] == "console" {
		return runBenchConsole(ctx, e, args[1:])
	}
	fs := e.newFlags("bench", "[--registrations N] [--large N] [--runs N] [--out FILE] [--keep DIR]",
		"Measure enlist in one run. Generates a province, then runs every step as its own process,\n"+
			"timed, with its CPU time and peak memory, and prints them with the ratios:\n"+
			"  ingest  the province's registration roll as one file (UTF-8 and GB18030) against the\n"+
			"          limit, DuckDB's CREATE TABLE AS SELECT * FROM read_csv(all_varchar) of the same\n"+
			"          file, and the typed CTAS storing only what enlist stores;\n"+
			"  cold    every extract → warehouse → the province's weekly bulletin, and the limit of\n"+
			"          every extract (DuckDB reading each kind's files as text: the load's floor);\n"+
			"  weekly  three counties re-send their roll and exam sheets with a week's changes: load\n"+
			"          them into the province's warehouse and write the bulletin;\n"+
			"  large   cold at --large registrations (national scale; 0 skips it).\n"+
			"Each scenario is also run by bench/peer.py, the pandas and openpyxl script an analyst would\n"+
			"write (needs python3-pandas and python3-openpyxl); the run fails unless its per-county\n"+
			"figures equal enlist's. The ingest steps and each bulletin run --runs times; the median\n"+
			"counts. --threads and --memory-limit apply to enlist and the limit alike.\n"+
			"Files go to a temporary folder, removed at the end, unless --keep names one.\n"+
			"enlist bench console measures the web console under load (enlist bench console --help).",
		"  enlist bench                                        # 1,000,000 and 10,000,000 registrations\n"+
			"  enlist bench --registrations 50000 --large 0 --runs 1\n"+
			"  enlist bench --out bench.json --keep /tmp/bench    # JSON for tools; keep files and the log")
	opt := bench.Options{Exe: "", Python: bench.DefaultPython()}
	var out string
	fs.IntVar(&opt.Registrations, "registrations", 1_000_000, "registrations of the province")
	fs.IntVar(&opt.Large, "large", 10_000_000, "registrations of the large scenario (0 skips it)")
	fs.IntVar(&opt.Runs, "runs", 3, "runs of each ingest step, alternating, and of each bulletin (the median counts)")
	fs.StringVar(&out, "out", "", "write the figures as JSON to this file")
	fs.StringVar(&opt.Dir, "keep", "", "work folder to keep (extracts, warehouses, bulletins, bench.log)")
	fs.StringVar(&opt.Python, "python", opt.Python, "Python with pandas and openpyxl, for the peer")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return fmt.Errorf("%w: bench takes no arguments", errUsage)
	}
	if opt.Registrations <= 0 || opt.Large < 0 || opt.Runs <= 0 {
		return fmt.Errorf("%w: --registrations and --runs must be positive, --large 0 or more", errUsage)
	}
	if opt.Exe, err = os.Executable(); err != nil {
		return fmt.Errorf("bench: find the enlist binary: %w", err)
	}
	// Every step runs with the same limits, resolved here once (flag,
	// environment, enlist.yaml, default) and passed on explicitly.
	r, err := e.site().Resolved()
	if err != nil {
		return err
	}
	opt.Threads, opt.MemoryLimit, opt.GoMemoryLimit = r.Threads, r.MemoryLimit, r.GoMemoryLimit
	opt.Command = "enlist " + strings.Join(append([]string{"bench"}, args...), " ")
	opt.Progress = func(s string) { e.progress("%s", s) }
	rep, runErr := bench.Run(ctx, opt)
	e.progressDone()
	rep.WriteText(e.stdout)
	if out != "" && len(rep.Steps) > 0 {
		return errors.Join(runErr, writeFigures("bench", out, rep))
	}
	return runErr
}

// runBenchConsole is the web console's load: enlist bench console.
func runBenchConsole(ctx context.Context, e *env, args []string) error {
	fs := e.newFlags("bench console", "[--registrations N] [--clients N] [--duration D] [--out FILE] [--keep DIR]",
		"Measure the web console under load, on loopback. Generates a province, loads and publishes it,\n"+
			"starts enlist serve --http on a free 127.0.0.1 port (--no-schedules), signs a leader of the\n"+
			"province in (a session for the pages, an API token for the metrics API), and reads with\n"+
			"--clients clients for --duration while three counties' week is ingested and published.\n"+
			"Prints p50/p95/max per kind: cached bulletin page, uncached page (a county and week nobody\n"+
			"asked for yet), metrics API. Fails on any error: a status other than 200, or an answer\n"+
			"without the region asked for.",
		"  enlist bench console --registrations 1000000 --clients 50 --duration 60s\n"+
			"  enlist bench console --registrations 20000 --clients 8 --duration 10s --keep /tmp/console")
	opt := bench.ConsoleOptions{}
	var out string
	fs.IntVar(&opt.Registrations, "registrations", 1_000_000, "registrations of the province")
	fs.IntVar(&opt.Clients, "clients", 50, "concurrent clients")
	fs.DurationVar(&opt.Duration, "duration", time.Minute, "how long the clients read")
	fs.StringVar(&out, "out", "", "write the figures as JSON to this file")
	fs.StringVar(&opt.Dir, "keep", "", "work folder to keep (extracts, warehouse, bench.log)")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return fmt.Errorf("%w: bench console takes no arguments", errUsage)
	}
	if opt.Registrations <= 0 || opt.Clients <= 0 || opt.Duration <= 0 {
		return fmt.Errorf("%w: --registrations, --clients and --duration must be positive", errUsage)
	}
	if opt.Exe, err = os.Executable(); err != nil {
		return fmt.Errorf("bench: find the enlist binary: %w", err)
	}
	r, err := e.site().Resolved()
	if err != nil {
		return err
	}
	opt.Threads, opt.MemoryLimit = r.Threads, r.MemoryLimit
	opt.Command = "enlist " + strings.Join(append([]string{"bench", "console"}, args...), " ")
	opt.Progress = func(s string) { e.progress("%s", s) }
	rep, runErr := bench.RunConsole(ctx, opt)
	e.progressDone()
	rep.WriteText(e.stdout)
	if out != "" {
		return errors.Join(runErr, writeFigures("bench console", out, rep))
	}
	return runErr
}

// writeFigures writes a bench report as JSON to out; cmd names the
// command in its error.
func writeFigures(cmd, out string, rep any) error {
	if err := bench.WriteJSON(out, rep); err != nil {
		return fmt.Errorf("%s: %w", cmd, err)
	}
	return nil
}

// runBenchLimit is the limit step, run by enlist bench in its own process.
func runBenchLimit(ctx context.Context, e *env, args []string) error {
	fs := e.newFlags("bench limit", "[--form varchar|typed|extracts] CSV|DIR DB",
		"The bench's references, one process each: a new DuckDB database DB holding the registration\n"+
			"roll CSV, every column as text (varchar: the limit), or only what enlist stores, typed\n"+
			"(typed); or every extract of a province's folder DIR, a table a kind, as text (extracts:\n"+
			"the cold load's limit). enlist bench runs it; it is here to be timed on its own.",
		"  enlist bench limit --form varchar roll.csv /tmp/limit.duckdb\n"+
			"  enlist bench limit --form extracts province/ /tmp/extracts.duckdb")
	form := fs.String("form", bench.LimitVarchar, "varchar (the limit), typed (what enlist stores) or extracts (a folder)")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 2 {
		return fmt.Errorf("%w: give the CSV file (a folder for extracts) and the database to create", errUsage)
	}
	// The same threads and memory as enlist's own steps, resolved the same way.
	r, err := e.site().Resolved()
	if err != nil {
		return err
	}
	rows, err := bench.RunLimit(ctx, *form, rest[0], rest[1], r.Threads, r.MemoryLimit)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s: %d rows\n", rest[1], rows)
	return nil
}
