package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"

	"enlist/internal/config"
	"enlist/internal/site"
)

// env is what every command shares: where the warehouse and secret are,
// and where messages go.
type env struct {
	stdout, stderr io.Writer
	db             string
	secretFile     string
	configFile     string
	threads        int    // --threads; 0: environment, enlist.yaml, default
	memoryLimit    string // --memory-limit; likewise
	goMemoryLimit  string // --go-memory-limit; likewise
	terminal       bool   // stderr is a person's terminal, not a cron log
	log            *slog.Logger
}

func newEnv(stdout, stderr io.Writer) *env {
	e := &env{stdout: stdout, stderr: stderr}
	if f, ok := stderr.(*os.File); ok {
		e.terminal = isTerminal(f)
	}
	if e.terminal {
		// A person watching reads progress lines, not log records.
		e.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	} else {
		e.log = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	return e
}

// globalFlags registers the flags every command accepts, so --db works
// before or after the command name.
func (e *env) globalFlags(fs *flag.FlagSet) {
	def := os.Getenv("ENLIST_DB")
	if def == "" {
		def = "enlist.duckdb"
	}
	if e.db == "" {
		e.db = def
	}
	fs.StringVar(&e.db, "db", e.db, "warehouse file (env ENLIST_DB)")
	fs.StringVar(&e.secretFile, "secret-file", e.secretFile, "pseudonymisation secret file (default: env ENLIST_SECRET_FILE, else enlist.secret beside enlist.duckdb, i.e. the warehouse's name with .secret; env ENLIST_SECRET, the secret itself, overrides both)")
	fs.StringVar(&e.configFile, "config", e.configFile, "configuration file: season windows, targets, score weights (default enlist.yaml beside the warehouse)")
	fs.IntVar(&e.threads, "threads", e.threads, "DuckDB threads (env ENLIST_THREADS; default: enlist.yaml, else every core up to 4)")
	fs.StringVar(&e.memoryLimit, "memory-limit", e.memoryLimit, "DuckDB memory limit, e.g. 4GB (env ENLIST_MEMORY_LIMIT; default: enlist.yaml, else 1GB)")
	fs.StringVar(&e.goMemoryLimit, "go-memory-limit", e.goMemoryLimit, "soft limit of the Go heap, e.g. 512MiB, or off (env ENLIST_GO_MEMORY_LIMIT; default: enlist.yaml, else 512MiB)")
}

// site is the installation the flags name: the warehouse, its secret,
// settings and published copies, and the resources asked for.
func (e *env) site() *site.Site {
	return &site.Site{DB: e.db, SecretFile: e.secretFile, ConfigFile: e.configFile, Log: e.log,
		Limits: config.Resources{Threads: e.threads, MemoryLimit: e.memoryLimit, GoMemoryLimit: e.goMemoryLimit}}
}

// newFlags makes a command's flag set with its help text and examples.
func (e *env) newFlags(name, args, about, examples string) *flag.FlagSet {
	fs := flag.NewFlagSet("enlist "+name, flag.ContinueOnError)
	// The help goes where the flag set's output is: standard output when
	// asked for (--help), nowhere on a usage error, which parse reports on
	// standard error, so a mistyped flag never lands in a redirected result.
	fs.SetOutput(e.stdout)
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintf(w, "Usage: enlist %s %s\n\n%s\n\nFlags:\n", name, args, about)
		fs.PrintDefaults()
		if examples != "" {
			fmt.Fprintf(w, "\nExamples:\n%s\n", examples)
		}
	}
	e.globalFlags(fs)
	return fs
}

// parse parses flags wherever they stand among the arguments (users write
// "enlist ingest inbox/ --kind exams" as often as the other way round) and
// returns the positional arguments. A bad flag is a usage error.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	help := fs.Output()
	fs.SetOutput(io.Discard)
	defer fs.SetOutput(help)
	var positional []string
	for {
		err := fs.Parse(args)
		if err == flag.ErrHelp {
			fs.SetOutput(help)
			fs.Usage()
			return nil, err
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %w", errUsage, err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, checkLimits(fs)
		}
		if args[0] == "--" {
			return append(positional, args[1:]...), checkLimits(fs)
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

// checkLimits refuses a memory limit flag that is not a size, as a usage
// error, before the command does anything.
func checkLimits(fs *flag.FlagSet) error {
	r := config.Resources{}
	if f := fs.Lookup("memory-limit"); f != nil {
		r.MemoryLimit = f.Value.String()
	}
	if f := fs.Lookup("go-memory-limit"); f != nil {
		r.GoMemoryLimit = f.Value.String()
	}
	if err := site.CheckLimits(r); err != nil {
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	return nil
}

// progress prints a line that rewrites itself on a terminal; in a log it
// stays quiet and lets the structured records speak.
func (e *env) progress(format string, args ...any) {
	if !e.terminal {
		return
	}
	fmt.Fprintf(e.stderr, "\r\033[K"+format, args...)
}

func (e *env) progressDone() {
	if e.terminal {
		fmt.Fprint(e.stderr, "\r\033[K")
	}
}
