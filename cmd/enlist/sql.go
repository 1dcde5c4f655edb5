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
	"strings"
	"syscall"
	"time"

	"github.com/peterh/liner"

	"enlist/internal/analyst"
	"enlist/internal/jobs"
	"enlist/internal/tabular"
)

// sqlOptions are the flags of enlist sql that shape one query's run.
type sqlOptions struct {
	format  string
	out     string
	timeout time.Duration
	maxRows int
	headers string // name or zh: the XLSX header row
	xlsx    analyst.XLSXOptions
}

// varFlags collects repeated --var NAME=VALUE.
type varFlags []analyst.Var

func (v *varFlags) String() string { return "" }

func (v *varFlags) Set(s string) error {
	name, value, ok := strings.Cut(s, "=")
	if !ok || !jobs.VarName.MatchString(name) {
		return fmt.Errorf("want NAME=VALUE, got %q", s)
	}
	*v = append(*v, analyst.Var{Name: name, Value: value})
	return nil
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
			"metrics, person_facts … without them uses today and its season, and says so.",
		"  enlist sql \"SELECT kind, count(*) FROM load_ledger GROUP BY kind\"\n"+
			"  enlist sql --var as_of=2025-03-05 --var year=2025 --var season=1 \\\n"+
			"      \"SELECT region_name, quota_completion FROM metrics WHERE parent_code = '41'\"\n"+
			"  enlist sql -f weekly.sql --format xlsx --out weekly.xlsx\n"+
			"  enlist sql --var as_of=2025-08-31 --var year=2025 --var season=2 --headers zh --out 完成率.xlsx \\\n"+
			"      \"SELECT region_name, quota, approved, quota_completion FROM metrics WHERE parent_code = '41'\"\n"+
			"  enlist sql --timeout 30s --format csv < query.sql > result.csv\n"+
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

	s, from, closeSession, err := jobs.OpenSQL(ctx, e.site(), vars, "--var ")
	if err != nil {
		return err
	}
	defer closeSession()
	s.MaxRows = o.maxRows
	if interactive {
		return sqlPrompt(ctx, e, s, os.Stdin, isTerminal(os.Stdin), o, from)
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
	if o.format == "xlsx" {
		// Rates as percentages and, with --headers zh, Chinese headers,
		// from the dictionary's comments on same-named columns.
		if o.xlsx, err = s.XLSXOptionsFor(ctx, res.Frame.Columns, o.headers == "zh"); err != nil {
			return err
		}
	}
	return o.write(e, res.Frame)
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

// write puts a result where --out and --format say.
func (o sqlOptions) write(e *env, f *tabular.Frame) error {
	if o.out != "" {
		return analyst.WriteResultFile(o.out, o.format, f, o.xlsx)
	}
	if err := analyst.WriteResult(e.stdout, o.format, f, o.xlsx); err != nil {
		return fmt.Errorf("write result %s: %w", o.out, err)
	}
	return nil
}

// promptLine is one line the analyst typed, or why there is none:
// errPromptInterrupted for Ctrl-C at the prompt, io.EOF at the end.
type promptLine struct {
	text string
	err  error
}

var errPromptInterrupted = errors.New("interrupted at the prompt")

// lineSource reads one line after showing a prompt. On a terminal it is a
// line editor with history (github.com/peterh/liner: arrows, Ctrl-R, the
// usual Emacs keys); otherwise plain lines.
type lineSource interface {
	read(prompt string) (string, error)
	remember(entry string)
	close() error
}

// editorSource is the terminal's line editor. Its history lives in a file
// beside the user's configuration, so it outlives the session.
type editorSource struct {
	line        *liner.State
	historyPath string
}

func newEditorSource(historyPath string) *editorSource {
	l := liner.NewLiner()
	l.SetCtrlCAborts(true)
	l.SetMultiLineMode(true)
	if f, err := os.Open(historyPath); err == nil {
		l.ReadHistory(f)
		f.Close()
	}
	return &editorSource{line: l, historyPath: historyPath}
}

func (s *editorSource) read(prompt string) (string, error) {
	t, err := s.line.Prompt(prompt)
	switch {
	case errors.Is(err, liner.ErrPromptAborted):
		return "", errPromptInterrupted
	case err != nil:
		return "", err
	}
	return t, nil
}

func (s *editorSource) remember(entry string) {
	s.line.AppendHistory(entry)
	// Written after every entry (the file is small, a few hundred lines),
	// so a killed session keeps its history.
	if s.historyPath == "" {
		return
	}
	if err := os.MkdirAll(filepath.Dir(s.historyPath), 0o700); err != nil {
		return
	}
	f, err := os.OpenFile(s.historyPath, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return
	}
	s.line.WriteHistory(f)
	f.Close()
}

func (s *editorSource) close() error { return s.line.Close() }

// plainSource reads lines from a pipe or file, showing the prompt on
// standard error.
type plainSource struct {
	sc     *bufio.Scanner
	prompt io.Writer
}

func (s *plainSource) read(prompt string) (string, error) {
	fmt.Fprint(s.prompt, prompt)
	if s.sc.Scan() {
		return s.sc.Text(), nil
	}
	if err := s.sc.Err(); err != nil {
		return "", err
	}
	return "", io.EOF
}

func (s *plainSource) remember(string) {}
func (s *plainSource) close() error    { return nil }

// historyPath is where the prompt keeps its history: enlist/sql_history in
// the user's configuration folder (XDG_CONFIG_HOME, else ~/.config).
func historyPath() string {
	dir, err := os.UserConfigDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "enlist", "sql_history")
}

const promptHelp = `End a query with ';'. Ctrl-C cancels a running query or clears the lines typed; Ctrl-D or \q leaves.
  \d          list the tables, views and macros
  \d NAME     describe one: its columns, types and comments (a macro with its parameters)
  \timing     show how long each query took (again to turn it off)
  \?          this help
Up and down arrows recall earlier queries, Ctrl-R searches them.`

// sqlPrompt reads queries until end of input. A query ends with ';'. Ctrl-C
// while a query runs cancels that query; at the prompt it clears the lines
// typed so far. SIGTERM leaves.
func sqlPrompt(ctx context.Context, e *env, s *analyst.Session, in io.Reader, tty bool, o sqlOptions, copyPath string) error {
	// main's signal context ends at the first Ctrl-C; here Ctrl-C belongs to
	// the running query, so the session runs on its own signals.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	base := context.WithoutCancel(ctx)

	var src lineSource
	// A terminal echoes ^C itself; a pipe does not.
	interrupted := "^C\n"
	if tty {
		src = newEditorSource(historyPath())
		interrupted = "\n"
	} else {
		sc := bufio.NewScanner(in)
		sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
		src = &plainSource{sc: sc, prompt: e.stderr}
	}
	defer src.close()

	// Lines are read in their own goroutine, one per request, so a signal
	// can be answered while the analyst has not finished typing.
	ask := make(chan string)
	lines := make(chan promptLine)
	go func() {
		for p := range ask {
			t, err := src.read(p)
			lines <- promptLine{t, err}
		}
	}()
	defer close(ask)

	fmt.Fprintf(e.stderr, "enlist sql: reading %s (read-only).\n%s\n", copyPath, strings.SplitN(promptHelp, "\n", 2)[0]+` \? lists the commands.`)
	st := &promptState{e: e, s: s, o: o, sigs: sigs, interrupted: interrupted, src: src}
	var buf strings.Builder
	promptText := func() string {
		if buf.Len() == 0 {
			return "enlist> "
		}
		return "   ...> "
	}
	ask <- promptText()
	for {
		select {
		case sig := <-sigs:
			if sig == syscall.SIGTERM {
				fmt.Fprintln(e.stderr)
				return nil
			}
			// Ctrl-C from a pipe's sender: the reader still waits for a
			// line, so the prompt is shown again here.
			buf.Reset()
			fmt.Fprint(e.stderr, interrupted+promptText())
		case l := <-lines:
			switch {
			case errors.Is(l.err, errPromptInterrupted):
				buf.Reset()
				ask <- promptText()
				continue
			case l.err != nil:
				if !errors.Is(l.err, io.EOF) {
					fmt.Fprintf(e.stderr, "error: %v\n", l.err)
				}
				if analyst.Pending(buf.String()) {
					st.run(base, buf.String())
				}
				fmt.Fprintln(e.stderr)
				return nil
			}
			if buf.Len() == 0 {
				cmd := strings.TrimSpace(l.text)
				switch {
				case cmd == `\q`, cmd == "quit", cmd == "exit", cmd == ".quit":
					return nil
				case cmd == "":
					ask <- promptText()
					continue
				case strings.HasPrefix(cmd, `\`):
					src.remember(cmd)
					st.command(base, cmd)
					ask <- promptText()
					continue
				}
			}
			buf.WriteString(l.text)
			buf.WriteByte('\n')
			if analyst.Complete(buf.String()) {
				text := buf.String()
				buf.Reset()
				src.remember(strings.Join(strings.Fields(text), " "))
				if stop := st.run(base, text); stop {
					return nil
				}
			}
			ask <- promptText()
		}
	}
}

// promptState is what the prompt's commands share.
type promptState struct {
	e           *env
	s           *analyst.Session
	o           sqlOptions
	sigs        <-chan os.Signal
	interrupted string
	src         lineSource
	timing      bool
}

// command runs one backslash command.
func (p *promptState) command(ctx context.Context, cmd string) {
	name, arg, _ := strings.Cut(cmd, " ")
	arg = strings.TrimSpace(arg)
	switch name {
	case `\?`, `\h`, `\help`:
		fmt.Fprintln(p.e.stderr, promptHelp)
	case `\timing`:
		p.timing = !p.timing
		fmt.Fprintf(p.e.stderr, "Timing is %s.\n", map[bool]string{true: "on", false: "off"}[p.timing])
	case `\d`, `\d+`, `\dt`, `\dv`:
		if arg == "" {
			f, err := p.s.Objects(ctx)
			if err != nil {
				fmt.Fprintf(p.e.stderr, "error: %v\n", err)
				return
			}
			p.show(f)
			return
		}
		obj, err := p.s.Describe(ctx, arg)
		if err != nil {
			fmt.Fprintf(p.e.stderr, "error: %v\n", err)
			return
		}
		printObjectHead(p.e.stdout, obj)
		if obj.Kind != "macro" {
			p.show(obj.Columns)
		}
	default:
		fmt.Fprintf(p.e.stderr, "unknown command %s: \\? lists the commands\n", name)
	}
}

// show writes a frame in the prompt's format.
func (p *promptState) show(f *tabular.Frame) {
	if err := tabular.Write(p.e.stdout, p.o.format, f); err != nil {
		fmt.Fprintf(p.e.stderr, "error: %v\n", err)
		return
	}
	if n := len(f.Rows); n == 1 {
		fmt.Fprintln(p.e.stderr, "(1 row)")
	} else {
		fmt.Fprintf(p.e.stderr, "(%d rows)\n", n)
	}
}

// run runs one query of the prompt, cancelling it on Ctrl-C. It reports
// whether SIGTERM asked the program to leave.
func (p *promptState) run(ctx context.Context, text string) bool {
	e := p.e
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	type outcome struct {
		res *analyst.Result
		err error
	}
	done := make(chan outcome, 1)
	start := time.Now()
	go func() {
		res, err := p.s.RunWithin(ctx, text, p.o.timeout)
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
		case sig := <-p.sigs:
			if sig == syscall.SIGTERM {
				stop = true
				cancel(errors.New("stopped by SIGTERM"))
				continue
			}
			fmt.Fprint(e.stderr, p.interrupted)
			cancel(errors.New("cancelled by Ctrl-C"))
		case r := <-done:
			took := time.Since(start)
			switch {
			case r.err != nil:
				fmt.Fprintf(e.stderr, "error: %v\n", r.err)
			case r.res.Frame == nil:
				fmt.Fprintf(e.stderr, "variable %s set\n", r.res.Variable)
			default:
				if r.res.Notice != "" {
					fmt.Fprintln(e.stderr, r.res.Notice)
				}
				p.show(r.res.Frame)
			}
			if p.timing {
				fmt.Fprintf(e.stderr, "Time: %.3f ms\n", float64(took.Microseconds())/1000)
			}
			return stop
		}
	}
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
	wh, err := e.site().OpenReader(ctx, true)
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
		printObjectHead(e.stdout, obj)
	}
	if obj.Kind == "macro" && *format == "table" {
		return nil
	}
	return tabular.Write(e.stdout, *format, obj.Columns)
}

// printObjectHead writes what a table, view or macro is, above its columns.
func printObjectHead(w io.Writer, obj *analyst.Object) {
	switch obj.Kind {
	case "table macro", "macro":
		fmt.Fprintf(w, "%s(%s) (%s)\n%s\n", obj.Name, strings.Join(obj.Parameters, ", "), obj.Kind, obj.Comment)
		if obj.DocumentedBy != "" {
			fmt.Fprintf(w, "columns documented as in the view %s\n", obj.DocumentedBy)
		}
		fmt.Fprintln(w)
	default:
		fmt.Fprintf(w, "%s (%s)\n%s\n\n", obj.Name, obj.Kind, obj.Comment)
	}
}

var _ flag.Value = (*varFlags)(nil)
