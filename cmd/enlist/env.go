package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"

	"enlist/internal/config"
	"enlist/internal/secret"
	"enlist/internal/warehouse"
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

func (e *env) secretPath() string {
	if e.secretFile != "" {
		return e.secretFile
	}
	if p := os.Getenv("ENLIST_SECRET_FILE"); p != "" {
		return p
	}
	return strings.TrimSuffix(e.db, ".duckdb") + ".secret"
}

func (e *env) key() (secret.Key, error) { return secret.Load(e.secretPath()) }

// config reads --config, or enlist.yaml beside the warehouse when there is
// one, over the built-in defaults.
func (e *env) config() (config.Config, error) {
	if e.configFile != "" {
		return config.Load(e.configFile, true)
	}
	return config.Load(filepath.Join(filepath.Dir(e.db), "enlist.yaml"), false)
}

// resources resolves DuckDB's threads and memory and the Go heap's soft
// limit — flag, else environment, else enlist.yaml, else the built-in
// defaults — and sets the Go limit for this process (unless the Go
// runtime's own GOMEMLIMIT is set).
func (e *env) resources(cfg config.Config) (config.Resources, error) {
	fromEnv, err := config.ResourcesFromEnv(os.Getenv)
	if err != nil {
		return config.Resources{}, err
	}
	r := cfg.Resources.Override(fromEnv).Override(config.Resources{
		Threads: e.threads, MemoryLimit: e.memoryLimit, GoMemoryLimit: e.goMemoryLimit})
	if n, ok := r.GoMemoryLimitBytes(); ok && os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(n)
	} else if !ok && e.goMemoryLimit != "" && !strings.EqualFold(e.goMemoryLimit, "off") {
		return r, fmt.Errorf("%w: --go-memory-limit %q is not a size such as 512MiB, or off", errUsage, e.goMemoryLimit)
	}
	if r.MemoryLimit != "" {
		if _, err := config.ParseSize(r.MemoryLimit); err != nil {
			return r, fmt.Errorf("%w: --memory-limit: %v", errUsage, err)
		}
	}
	r.Threads = r.EffectiveThreads()
	return r, nil
}

// open opens the warehouse for writing. A missing file is refused, naming
// the path: a mistyped --db must not quietly start a new, empty warehouse
// (only enlist init creates one).
func (e *env) open(ctx context.Context) (*warehouse.Warehouse, error) {
	if _, err := os.Stat(e.db); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("no warehouse at %s: check --db (or ENLIST_DB); enlist init --db %s creates a new one", e.db, e.db)
	}
	return e.openCreating(ctx)
}

// openCreating opens the warehouse for writing, creating it when missing
// (enlist init).
func (e *env) openCreating(ctx context.Context) (*warehouse.Warehouse, error) {
	cfg, err := e.config()
	if err != nil {
		return nil, err
	}
	r, err := e.resources(cfg)
	if err != nil {
		return nil, err
	}
	return warehouse.Open(ctx, e.db, warehouse.Options{Threads: r.Threads, MemoryLimit: r.MemoryLimit, Config: &cfg})
}

// openReader opens the published read-only copy of the warehouse, so a
// query or report never waits for a running load and never sees half of one.
func (e *env) openReader(ctx context.Context, sandbox bool) (*warehouse.Warehouse, error) {
	cfg, err := e.config()
	if err != nil {
		return nil, err
	}
	r, err := e.resources(cfg)
	if err != nil {
		return nil, err
	}
	return warehouse.OpenReader(ctx, e.db, warehouse.Options{Threads: r.Threads, MemoryLimit: r.MemoryLimit,
		Config: &cfg, Sandbox: sandbox})
}

// publish makes what a write command committed visible to readers. The
// warehouse must be closed first.
func (e *env) publish(ctx context.Context) error {
	cfg, err := e.config()
	if err != nil {
		return err
	}
	p, err := warehouse.PublishKeeping(ctx, e.db, cfg.Publish.KeepVersions)
	switch {
	case err != nil:
		return err
	case p.Deferred:
		e.log.Info("publish left to this process's job still holding the warehouse")
	case p.Copied:
		e.log.Info("published", "copy", p.Path)
	default:
		e.log.Info("published copy already current; nothing readers use changed", "copy", p.Path)
	}
	return nil
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
			return nil, fmt.Errorf("%w: %v", errUsage, err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		if args[0] == "--" {
			return append(positional, args[1:]...), nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
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
