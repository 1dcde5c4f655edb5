package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"enlist/internal/analyst"
	"enlist/internal/analyst/prompt"
	"enlist/internal/jobs"
	"enlist/internal/scoped"
	"enlist/internal/tabular"
)

// sqlOptions are the flags of enlist sql that shape one query's run.
type sqlOptions struct {
	format  string
	out     string
	timeout time.Duration
	maxRows int
	headers string // name or zh: the XLSX header row
}

// varFlags collects repeated --var NAME=VALUE.
type varFlags []analyst.Var

func (v *varFlags) String() string { return "" }

func (v *varFlags) Set(s string) error {
	nv, err := jobs.ParseVar(s)
	*v = append(*v, nv)
	return err
}

func runSQL(ctx context.Context, e *env, args []string) error {
	fs := e.newFlags("sql", "[--format table|csv|json|xlsx] [--out FILE] [--headers name|zh] [--timeout D] [--var NAME=VALUE] [QUERY | -f FILE]",
		"Run one read-only SQL query on the published copy of the warehouse (never the file a load is\n"+
			"writing, so a running ingest neither blocks the query nor shows it half a load). Only queries\n"+
			"run: SELECT, WITH, FROM, VALUES, TABLE, DESCRIBE, SHOW, SUMMARIZE, and SET VARIABLE for the\n"+
			"variables the metrics view reads. Anything that would change data, schema or settings, open\n"+
			"another database, or reach a file (read_csv, read_parquet, glob, FROM 'x.csv', getenv, COPY,\n"+
			"ATTACH, INSTALL …) is refused before anything runs, with a message naming it; text with more\n"+
			"than one statement is refused whole. The engine is opened without file access as well.\n\n"+
			"The query comes from the arguments, from -f FILE, or from standard input. With none of them\n"+
			"and a terminal, an interactive prompt starts: end each query with ';', Ctrl-C cancels the\n"+
			"running query (not the program), Ctrl-D leaves; arrows and Ctrl-R recall earlier queries\n"+
			"(kept in enlist/sql_history in the user's configuration folder), \\d lists the tables, views\n"+
			"and macros, \\d NAME describes one, \\timing times each query.\n\n"+
			"Variables (--var, SET VARIABLE) are those the views read, checked before anything runs:\n"+
			"as_of (2025-03-05, 2025/3/5, 2025年3月5日 or 20250305), year, season (1 or 2). A query on\n"+
			"metrics, person_facts … without them uses today and its season, and says so.\n\n"+
			"--scope CODE reads what an analyst bound to that region reads in the web console: a copy of\n"+
			"the published warehouse holding only the region's rows, with every view and macro over them\n"+
			"(built on first use for each published version, then reused).",
		"  enlist sql \"SELECT kind, count(*) FROM load_ledger GROUP BY kind\"\n"+
			"  enlist sql --var as_of=2025-03-05 --var year=2025 --var season=1 \\\n"+
			"      \"SELECT region_name, quota_completion FROM metrics WHERE parent_code = '41'\"\n"+
			"  enlist sql -f weekly.sql --format xlsx --out weekly.xlsx\n"+
			"  enlist sql --var as_of=2025-08-31 --var year=2025 --var season=2 --headers zh --out 完成率.xlsx \\\n"+
			"      \"SELECT region_name, quota, approved, quota_completion FROM metrics WHERE parent_code = '41'\"\n"+
			"  enlist sql --timeout 30s --format csv < query.sql > result.csv\n"+
			"  enlist sql --scope 410102 \"SELECT count(*) FROM registrations\"   # what a county's analyst sees\n"+
			"  enlist sql                                   # interactive prompt")
	var o sqlOptions
	fs.StringVar(&o.format, "format", "", "table, csv, json or xlsx (default: from --out's extension, else table)")
	fs.StringVar(&o.out, "out", "", "write the result to FILE instead of standard output")
	fs.DurationVar(&o.timeout, "timeout", 0, "cancel a query running longer than this, e.g. 30s or 5m (0: no limit)")
	fs.StringVar(&o.headers, "headers", "name", "XLSX header row: name (column names) or zh (the Chinese labels of the data dictionary)")
	fs.IntVar(&o.maxRows, "max-rows", 1000000, "refuse a result longer than this many rows (0: no limit)")
	file := fs.String("f", "", "read the query from FILE")
	var vars varFlags
	fs.Var(&vars, "var", "set a session variable before the query, e.g. as_of=2025-03-05 (repeatable)")
	forcePrompt := fs.Bool("prompt", false, "start the interactive prompt even when standard input is not a terminal")
	scope := fs.String("scope", "", "query as an analyst bound to this region code sees the warehouse: only its rows (see README, Region scope in SQL)")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := o.settle(); err != nil {
		return err
	}
	var text string
	interactive := false
	switch {
	case len(rest) > 0 && *file != "":
		return fmt.Errorf("%w: give the query as an argument or with -f, not both", errUsage)
	case len(rest) > 0:
		text = strings.Join(rest, " ")
	case *file != "":
		b, err := os.ReadFile(*file)
		if err != nil {
			return fmt.Errorf("read query: %w", err)
		}
		text = string(b)
	case *forcePrompt || isTerminal(os.Stdin):
		interactive = true
	default:
		b, err := io.ReadAll(os.Stdin)
		if err != nil {
			return fmt.Errorf("read query from standard input: %w", err)
		}
		text = string(b)
	}
	if interactive && o.format == "xlsx" {
		return fmt.Errorf("%w: the interactive prompt writes table, csv or json; run one query with --format xlsx --out FILE", errUsage)
	}
	if !interactive && strings.TrimSpace(text) == "" {
		return fmt.Errorf("%w: no query given", errUsage)
	}

	if *scope != "" {
		if err := scoped.CheckScope(*scope); err != nil {
			return fmt.Errorf("%w: --scope: %w", errUsage, err)
		}
	}
	s, from, closeSession, err := jobs.OpenSQLAs(ctx, e.site(), *scope, vars, "--var ")
	if err != nil {
		return err
	}
	defer closeSession()
	s.MaxRows = o.maxRows
	if interactive {
		return prompt.Run(ctx, prompt.Options{Session: s, In: os.Stdin, TTY: isTerminal(os.Stdin), Stdout: e.stdout, Stderr: e.stderr,
			Format: o.format, Timeout: o.timeout, From: from})
	}
	res, err := s.RunWithin(ctx, text, o.timeout)
	if err != nil {
		return err
	}
	if res.Notice != "" {
		fmt.Fprintln(e.stderr, res.Notice)
	}
	if res.Frame == nil {
		fmt.Fprintf(e.stderr, "variable %s set\n", res.Variable)
		return nil
	}
	return s.WriteResult(ctx, res.Frame, analyst.Output{Format: o.format, Path: o.out, W: e.stdout, ZhHeaders: o.headers == "zh"})
}

// settle checks the output flags and picks the format from --out's
// extension when none is given.
func (o *sqlOptions) settle() error {
	o.format = analyst.FormatFor(o.format, o.out)
	switch o.format {
	case "table", "csv", "json":
	case "xlsx":
		if o.out == "" && isTerminal(os.Stdout) {
			return fmt.Errorf("%w: --format xlsx needs --out FILE (or standard output redirected to a file)", errUsage)
		}
	default:
		return fmt.Errorf("%w: --format must be table, csv, json or xlsx", errUsage)
	}
	if o.timeout < 0 {
		return fmt.Errorf("%w: --timeout must not be negative", errUsage)
	}
	switch o.headers {
	case "", "name":
	case "zh":
		if o.format != "xlsx" {
			return fmt.Errorf("%w: --headers zh is for --format xlsx", errUsage)
		}
	default:
		return fmt.Errorf("%w: --headers must be name or zh", errUsage)
	}
	if o.maxRows < 0 {
		return fmt.Errorf("%w: --max-rows must not be negative", errUsage)
	}
	return nil
}

func runSchema(ctx context.Context, e *env, args []string) error {
	fs := e.newFlags("schema", "[--format table|csv|json] [NAME]",
		"The analysts' data dictionary: every table, view and macro of the warehouse with its\n"+
			"comment; with a NAME, that table's, view's or table macro's columns, their types and\n"+
			"comments (a macro with its parameters). Read from the published copy, like enlist sql.",
		"  enlist schema\n"+
			"  enlist schema metrics\n"+
			"  enlist schema person_facts_at\n"+
			"  enlist schema registrations --format csv")
	format := fs.String("format", "table", "table, csv or json")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 1 {
		return fmt.Errorf("%w: give at most one NAME", errUsage)
	}
	if *format != "table" && *format != "csv" && *format != "json" {
		return fmt.Errorf("%w: --format must be table, csv or json", errUsage)
	}
	name := ""
	if len(rest) == 1 {
		name = rest[0]
	}
	objects, obj, err := jobs.Dictionary(ctx, e.site(), name)
	if err != nil {
		return err
	}
	if obj == nil {
		return tabular.Write(e.stdout, *format, objects)
	}
	if *format == "table" {
		analyst.WriteObjectHead(e.stdout, obj)
	}
	if obj.Kind == "macro" && *format == "table" {
		return nil
	}
	return tabular.Write(e.stdout, *format, obj.Columns)
}

var _ flag.Value = (*varFlags)(nil)
