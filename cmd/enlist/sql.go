package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"

	"enlist/internal/analyst"
	"enlist/internal/tabular"
)

// sqlOptions are the flags of enlist sql that shape one query's run.
type sqlOptions struct {
	format  string
	out     string
	timeout time.Duration
	maxRows int
}

var varName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// varFlags collects repeated --var NAME=VALUE.
type varFlags [][2]string

func (v *varFlags) String() string { return "" }

func (v *varFlags) Set(s string) error {
	name, value, ok := strings.Cut(s, "=")
	if !ok || !varName.MatchString(name) {
		return fmt.Errorf("want NAME=VALUE, got %q", s)
	}
	*v = append(*v, [2]string{name, value})
	return nil
}

func runSQL(ctx context.Context, e *env, args []string) error {
	fs := e.newFlags("sql", "[--format table|csv|json|xlsx] [--out FILE] [--timeout D] [--var NAME=VALUE] [QUERY | -f FILE]",
		"Run one read-only SQL query on the published copy of the warehouse (never the file a load is\n"+
			"writing, so a running ingest neither blocks the query nor shows it half a load). Only queries\n"+
			"run: SELECT, WITH, FROM, VALUES, TABLE, DESCRIBE, SHOW, SUMMARIZE, and SET VARIABLE for the\n"+
			"variables the metrics view reads. Anything that would change data, schema or settings, open\n"+
			"another database, or reach a file (read_csv, read_parquet, glob, FROM 'x.csv', getenv, COPY,\n"+
			"ATTACH, INSTALL …) is refused before anything runs, with a message naming it; text with more\n"+
			"than one statement is refused whole. The engine is opened without file access as well.\n\n"+
			"The query comes from the arguments, from -f FILE, or from standard input. With none of them\n"+
			"and a terminal, an interactive prompt starts: end each query with ';', Ctrl-C cancels the\n"+
			"running query (not the program), Ctrl-D leaves. `enlist schema` lists the tables and views.",
		"  enlist sql \"SELECT kind, count(*) FROM load_ledger GROUP BY kind\"\n"+
			"  enlist sql --var as_of=2025-03-05 --var year=2025 --var season=1 \\\n"+
			"      \"SELECT region_name, quota_completion FROM metrics WHERE parent_code = '41'\"\n"+
			"  enlist sql -f weekly.sql --format xlsx --out weekly.xlsx\n"+
			"  enlist sql --timeout 30s --format csv < query.sql > result.csv\n"+
			"  enlist sql                                   # interactive prompt")
	var o sqlOptions
	fs.StringVar(&o.format, "format", "", "table, csv, json or xlsx (default: from --out's extension, else table)")
	fs.StringVar(&o.out, "out", "", "write the result to FILE instead of standard output")
	fs.DurationVar(&o.timeout, "timeout", 0, "cancel a query running longer than this, e.g. 30s or 5m (0: no limit)")
	fs.IntVar(&o.maxRows, "max-rows", 1000000, "refuse a result longer than this many rows (0: no limit)")
	file := fs.String("f", "", "read the query from FILE")
	var vars varFlags
	fs.Var(&vars, "var", "set a session variable before the query, e.g. as_of=2025-03-05 (repeatable)")
	prompt := fs.Bool("prompt", false, "start the interactive prompt even when standard input is not a terminal")
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
	case *prompt || isTerminal(os.Stdin):
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

	s, from, closeSession, err := openSession(ctx, e, vars, "--var ")
	if err != nil {
		return err
	}
	defer closeSession()
	s.MaxRows = o.maxRows
	if interactive {
		return sqlPrompt(ctx, e, s, os.Stdin, isTerminal(os.Stdin), o, from)
	}
	res, err := runOne(ctx, s, text, o.timeout)
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
	return o.write(e, res.Frame)
}

// openSession opens an analyst's sandboxed session on the published copy,
// with the session variables set; what names a variable in an error
// ("--var ", "vars ") is the caller's. from is the copy read.
func openSession(ctx context.Context, e *env, vars [][2]string, what string) (s *analyst.Session, from string, closeSession func(), err error) {
	wh, err := e.openReader(ctx, true)
	if err != nil {
		return nil, "", nil, err
	}
	s, err = analyst.NewSession(ctx, wh.DB())
	if err != nil {
		return nil, "", nil, errors.Join(err, wh.Close())
	}
	closeSession = func() { s.Close(); wh.Close() }
	for _, v := range vars {
		if err := s.SetVariable(ctx, v[0], v[1]); err != nil {
			closeSession()
			return nil, "", nil, fmt.Errorf("%s%s: %w", what, v[0], err)
		}
	}
	return s, wh.Path(), closeSession, nil
}

// settle checks the output flags and picks the format from --out's
// extension when none is given.
func (o *sqlOptions) settle() error {
	if o.format == "" {
		switch strings.ToLower(filepath.Ext(o.out)) {
		case ".xlsx":
			o.format = "xlsx"
		case ".csv":
			o.format = "csv"
		case ".json":
			o.format = "json"
		default:
			o.format = "table"
		}
	}
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
	if o.maxRows < 0 {
		return fmt.Errorf("%w: --max-rows must not be negative", errUsage)
	}
	return nil
}

// runOne runs text with the timeout, naming the timeout when it fires.
func runOne(ctx context.Context, s *analyst.Session, text string, timeout time.Duration) (*analyst.Result, error) {
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, timeout, fmt.Errorf("--timeout %s reached", timeout))
		defer cancel()
	}
	res, err := s.Run(ctx, text)
	if errors.Is(err, analyst.ErrTooManyRows) {
		return nil, fmt.Errorf("%w (--max-rows)", err)
	}
	return res, err
}

// write puts a result where --out and --format say.
func (o sqlOptions) write(e *env, f *tabular.Frame) error {
	w := e.stdout
	var file *os.File
	if o.out != "" {
		var err error
		if file, err = os.Create(o.out); err != nil {
			return fmt.Errorf("write result: %w", err)
		}
		w = file
	}
	var err error
	if o.format == "xlsx" {
		err = analyst.WriteXLSX(w, f)
	} else {
		err = tabular.Write(w, o.format, f)
	}
	if file != nil {
		err = errors.Join(err, file.Close())
	}
	if err != nil {
		return fmt.Errorf("write result %s: %w", o.out, err)
	}
	return nil
}

// sqlPrompt reads queries until end of input. A query ends with ';'. Ctrl-C
// while a query runs cancels that query; at the prompt it clears the lines
// typed so far. SIGTERM leaves.
func sqlPrompt(ctx context.Context, e *env, s *analyst.Session, in io.Reader, tty bool, o sqlOptions, copyPath string) error {
	// A terminal echoes ^C itself; a pipe does not.
	interrupted := "^C\n"
	if tty {
		interrupted = "\n"
	}
	// main's signal context ends at the first Ctrl-C; here Ctrl-C belongs to
	// the running query, so the session runs on its own signals.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	base := context.WithoutCancel(ctx)

	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(in)
		sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()

	fmt.Fprintf(e.stderr, "enlist sql: reading %s (read-only).\n"+
		"End a query with ';'. Ctrl-C cancels a running query; Ctrl-D or \\q leaves.\n", copyPath)
	var buf strings.Builder
	promptFor := func() {
		if buf.Len() == 0 {
			fmt.Fprint(e.stderr, "enlist> ")
		} else {
			fmt.Fprint(e.stderr, "   ...> ")
		}
	}
	promptFor()
	for {
		select {
		case sig := <-sigs:
			if sig == syscall.SIGTERM {
				fmt.Fprintln(e.stderr)
				return nil
			}
			buf.Reset()
			fmt.Fprint(e.stderr, interrupted)
			promptFor()
		case line, ok := <-lines:
			if !ok {
				if analyst.Pending(buf.String()) {
					if stop := runAtPrompt(base, e, s, buf.String(), o, sigs, interrupted); stop {
						return nil
					}
				}
				fmt.Fprintln(e.stderr)
				return nil
			}
			if buf.Len() == 0 {
				switch strings.TrimSpace(line) {
				case `\q`, "quit", "exit", ".quit":
					return nil
				case "":
					promptFor()
					continue
				}
			}
			buf.WriteString(line)
			buf.WriteByte('\n')
			if analyst.Complete(buf.String()) {
				text := buf.String()
				buf.Reset()
				if stop := runAtPrompt(base, e, s, text, o, sigs, interrupted); stop {
					return nil
				}
			}
			promptFor()
		}
	}
}

// runAtPrompt runs one query of the prompt, cancelling it on Ctrl-C. It
// reports whether SIGTERM asked the program to leave.
func runAtPrompt(ctx context.Context, e *env, s *analyst.Session, text string, o sqlOptions, sigs <-chan os.Signal, interrupted string) bool {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	type outcome struct {
		res *analyst.Result
		err error
	}
	done := make(chan outcome, 1)
	start := time.Now()
	go func() {
		res, err := runOne(ctx, s, text, o.timeout)
		done <- outcome{res, err}
	}()
	// Tell the analyst how to stop a query that takes a while, without
	// cluttering quick ones.
	slow := time.NewTimer(time.Second)
	defer slow.Stop()
	stop := false
	for {
		select {
		case <-slow.C:
			fmt.Fprintln(e.stderr, "… running (Ctrl-C cancels the query)")
		case sig := <-sigs:
			if sig == syscall.SIGTERM {
				stop = true
				cancel(errors.New("stopped by SIGTERM"))
				continue
			}
			fmt.Fprint(e.stderr, interrupted)
			cancel(errors.New("cancelled by Ctrl-C"))
		case r := <-done:
			switch {
			case r.err != nil:
				fmt.Fprintf(e.stderr, "error: %v\n", r.err)
			case r.res.Frame == nil:
				fmt.Fprintf(e.stderr, "variable %s set\n", r.res.Variable)
			default:
				if err := tabular.Write(e.stdout, o.format, r.res.Frame); err != nil {
					fmt.Fprintf(e.stderr, "error: %v\n", err)
				}
				fmt.Fprintf(e.stderr, "(%d rows, %.2f s)\n", len(r.res.Frame.Rows), time.Since(start).Seconds())
			}
			return stop
		}
	}
}

func runSchema(ctx context.Context, e *env, args []string) error {
	fs := e.newFlags("schema", "[--format table|csv|json] [NAME]",
		"The analysts' data dictionary: every table, view and table macro of the warehouse with its\n"+
			"comment; with a NAME, that table's or view's columns, their types and comments. Read from\n"+
			"the published copy, like enlist sql.",
		"  enlist schema\n"+
			"  enlist schema metrics\n"+
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
	wh, err := e.openReader(ctx, true)
	if err != nil {
		return err
	}
	defer wh.Close()
	if len(rest) == 0 {
		f, err := analyst.Objects(ctx, wh.DB())
		if err != nil {
			return err
		}
		return tabular.Write(e.stdout, *format, f)
	}
	obj, err := analyst.Describe(ctx, wh.DB(), rest[0])
	if err != nil {
		return err
	}
	if *format == "table" {
		fmt.Fprintf(e.stdout, "%s (%s)\n%s\n\n", obj.Name, obj.Kind, obj.Comment)
	}
	return tabular.Write(e.stdout, *format, obj.Columns)
}

var _ flag.Value = (*varFlags)(nil)
