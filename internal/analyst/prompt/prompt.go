// Package prompt is enlist sql's interactive prompt: queries typed line by
// line on an analyst.Session, Ctrl-C cancelling the running query rather
// than the program, a line editor with a history kept between sessions,
// and backslash commands for the data dictionary.
package prompt

import (
	"bufio"
	"context"
	"errors"
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
	"enlist/internal/tabular"
)

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

// HistoryPath is where the prompt keeps its history: enlist/sql_history in
// the user's configuration folder (XDG_CONFIG_HOME, else ~/.config).
func HistoryPath() string {
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

// Options are what one prompt session needs.
type Options struct {
	Session *analyst.Session
	// In is read line by line; on a terminal (TTY) through the line
	// editor, whose history lives in HistoryPath ("" for HistoryPath()).
	In          io.Reader
	TTY         bool
	HistoryPath string
	// Results go to Stdout in Format (table, csv or json); notices, errors
	// and the prompt itself to Stderr.
	Stdout, Stderr io.Writer
	Format         string
	Timeout        time.Duration // per query; 0: none
	From           string        // the copy read, named in the greeting
}

// Run reads queries until end of input. A query ends with ';'. Ctrl-C
// while a query runs cancels that query; at the prompt it clears the lines
// typed so far. SIGTERM leaves.
func Run(ctx context.Context, o Options) error {
	// main's signal context ends at the first Ctrl-C; here Ctrl-C belongs to
	// the running query, so the session runs on its own signals.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	base := context.WithoutCancel(ctx)

	var src lineSource
	// A terminal echoes ^C itself; a pipe does not.
	interrupted := "^C\n"
	if o.TTY {
		if o.HistoryPath == "" {
			o.HistoryPath = HistoryPath()
		}
		src = newEditorSource(o.HistoryPath)
		interrupted = "\n"
	} else {
		sc := bufio.NewScanner(o.In)
		sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
		src = &plainSource{sc: sc, prompt: o.Stderr}
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

	fmt.Fprintf(o.Stderr, "enlist sql: reading %s (read-only).\n%s\n", o.From, strings.SplitN(promptHelp, "\n", 2)[0]+` \? lists the commands.`)
	st := &promptState{o: o, s: o.Session, stdout: o.Stdout, stderr: o.Stderr, sigs: sigs, interrupted: interrupted, src: src}
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
				fmt.Fprintln(o.Stderr)
				return nil
			}
			// Ctrl-C from a pipe's sender: the reader still waits for a
			// line, so the prompt is shown again here.
			buf.Reset()
			fmt.Fprint(o.Stderr, interrupted+promptText())
		case l := <-lines:
			switch {
			case errors.Is(l.err, errPromptInterrupted):
				buf.Reset()
				ask <- promptText()
				continue
			case l.err != nil:
				if !errors.Is(l.err, io.EOF) {
					fmt.Fprintf(o.Stderr, "error: %v\n", l.err)
				}
				if analyst.Pending(buf.String()) {
					st.run(base, buf.String())
				}
				fmt.Fprintln(o.Stderr)
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
	o           Options
	s           *analyst.Session
	stdout      io.Writer
	stderr      io.Writer
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
		fmt.Fprintln(p.stderr, promptHelp)
	case `\timing`:
		p.timing = !p.timing
		fmt.Fprintf(p.stderr, "Timing is %s.\n", map[bool]string{true: "on", false: "off"}[p.timing])
	case `\d`, `\d+`, `\dt`, `\dv`:
		if arg == "" {
			f, err := p.s.Objects(ctx)
			if err != nil {
				fmt.Fprintf(p.stderr, "error: %v\n", err)
				return
			}
			p.show(f)
			return
		}
		obj, err := p.s.Describe(ctx, arg)
		if err != nil {
			fmt.Fprintf(p.stderr, "error: %v\n", err)
			return
		}
		analyst.WriteObjectHead(p.stdout, obj)
		if obj.Kind != "macro" {
			p.show(obj.Columns)
		}
	default:
		fmt.Fprintf(p.stderr, "unknown command %s: \\? lists the commands\n", name)
	}
}

// show writes a frame in the prompt's format.
func (p *promptState) show(f *tabular.Frame) {
	if err := tabular.Write(p.stdout, p.o.Format, f); err != nil {
		fmt.Fprintf(p.stderr, "error: %v\n", err)
		return
	}
	if n := len(f.Rows); n == 1 {
		fmt.Fprintln(p.stderr, "(1 row)")
	} else {
		fmt.Fprintf(p.stderr, "(%d rows)\n", n)
	}
}

// run runs one query of the prompt, cancelling it on Ctrl-C. It reports
// whether SIGTERM asked the program to leave.
func (p *promptState) run(ctx context.Context, text string) bool {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	type outcome struct {
		res *analyst.Result
		err error
	}
	done := make(chan outcome, 1)
	start := time.Now()
	go func() {
		res, err := p.s.RunWithin(ctx, text, p.o.Timeout)
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
			fmt.Fprintln(p.stderr, "… running (Ctrl-C cancels the query)")
		case sig := <-p.sigs:
			if sig == syscall.SIGTERM {
				stop = true
				cancel(errors.New("stopped by SIGTERM"))
				continue
			}
			fmt.Fprint(p.stderr, p.interrupted)
			cancel(errors.New("cancelled by Ctrl-C"))
		case r := <-done:
			took := time.Since(start)
			switch {
			case r.err != nil:
				fmt.Fprintf(p.stderr, "error: %v\n", r.err)
			case r.res.Frame == nil:
				fmt.Fprintf(p.stderr, "variable %s set\n", r.res.Variable)
			default:
				if r.res.Notice != "" {
					fmt.Fprintln(p.stderr, r.res.Notice)
				}
				p.show(r.res.Frame)
			}
			if p.timing {
				fmt.Fprintf(p.stderr, "Time: %.3f ms\n", float64(took.Microseconds())/1000)
			}
			return stop
		}
	}
}
