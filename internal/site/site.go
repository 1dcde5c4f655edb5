// Package site is one office's installation of enlist: where its
// warehouse, pseudonymisation secret, settings (enlist.yaml) and published
// copies live, how many threads and how much memory a process takes, and
// how a writer makes its work visible to readers. The command line, the
// scheduled jobs and the web console all reach the warehouse through a
// Site, so each of these decisions is made here once.
package site

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"enlist/internal/analyst"
	"enlist/internal/config"
	"enlist/internal/secret"
	"enlist/internal/warehouse"
	"enlist/pipelines/load"
	"enlist/pipelines/mapping"
	"enlist/pipelines/rollup"
	"enlist/reports/bulletin"
)

// Site is a warehouse file and what lies beside it. The zero values of the
// optional fields take the documented defaults, so Site{DB: path} is a
// working site.
type Site struct {
	// DB is the warehouse file.
	DB string
	// SecretFile is the pseudonymisation secret's file; "" takes
	// ENLIST_SECRET_FILE, else the warehouse's name with .secret for
	// .duckdb. ENLIST_SECRET, the secret itself, overrides both.
	SecretFile string
	// ConfigFile is the configuration; "" takes enlist.yaml beside the
	// warehouse when there is one, else the built-in defaults.
	ConfigFile string
	// Limits are the resources asked for explicitly (the command line's
	// flags); they win over the environment and enlist.yaml.
	Limits config.Resources
	// Log hears of publishes and of what loads and rollups do; nil
	// discards.
	Log *slog.Logger
}

// Logger is the site's log, never nil.
func (s *Site) Logger() *slog.Logger {
	if s.Log == nil {
		return slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return s.Log
}

// At is the same installation's settings for another warehouse file (a
// province's warehouse a rollup writes into): its secret and
// configuration are then found beside that file.
func (s *Site) At(db string) *Site {
	c := *s
	c.DB = db
	return &c
}

// WithLog is the site logging to log (a job's own logger).
func (s *Site) WithLog(log *slog.Logger) *Site {
	c := *s
	c.Log = log
	return &c
}

// SecretPath is the file the secret is read from or created in.
func (s *Site) SecretPath() string {
	if s.SecretFile != "" {
		return s.SecretFile
	}
	if p := os.Getenv("ENLIST_SECRET_FILE"); p != "" {
		return p
	}
	return strings.TrimSuffix(s.DB, ".duckdb") + ".secret"
}

// Key reads the pseudonymisation secret.
func (s *Site) Key() (secret.Key, error) { return secret.Load(s.SecretPath()) }

// Config reads ConfigFile, or enlist.yaml beside the warehouse when there
// is one, over the built-in defaults.
func (s *Site) Config() (config.Config, error) {
	if s.ConfigFile != "" {
		return config.Load(s.ConfigFile, true)
	}
	return config.Load(filepath.Join(filepath.Dir(s.DB), "enlist.yaml"), false)
}

// Resources resolves DuckDB's threads and memory and the Go heap's soft
// limit — Limits, else the environment, else enlist.yaml, else the
// built-in defaults — and sets the Go limit for this process (unless the
// Go runtime's own GOMEMLIMIT is set).
func (s *Site) Resources(cfg config.Config) (config.Resources, error) {
	fromEnv, err := config.ResourcesFromEnv(os.Getenv)
	if err != nil {
		return config.Resources{}, err
	}
	if err := CheckLimits(s.Limits); err != nil {
		return config.Resources{}, err
	}
	r := cfg.Resources.Override(fromEnv).Override(s.Limits)
	if n, ok := r.GoMemoryLimitBytes(); ok && os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(n)
	}
	r.Threads = r.EffectiveThreads()
	return r, nil
}

// CheckLimits checks resources asked for explicitly: the memory limits
// must be sizes (the Go heap's may be "off"). The message starts with the
// setting's flag name, which the command line shows as is.
func CheckLimits(r config.Resources) error {
	if r.GoMemoryLimit != "" && !strings.EqualFold(r.GoMemoryLimit, "off") {
		if _, ok := r.GoMemoryLimitBytes(); !ok {
			return fmt.Errorf("--go-memory-limit %q is not a size such as 512MiB, or off", r.GoMemoryLimit)
		}
	}
	if r.MemoryLimit != "" {
		if _, err := config.ParseSize(r.MemoryLimit); err != nil {
			return fmt.Errorf("--memory-limit: %w", err)
		}
	}
	return nil
}

// Missing is the error for a warehouse file that does not exist, naming
// the path: a mistyped path must not quietly start a new, empty warehouse
// (only Init creates one).
func (s *Site) Missing() error {
	if _, err := os.Stat(s.DB); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("no warehouse at %s: check --db (or ENLIST_DB); enlist init --db %s creates a new one", s.DB, s.DB)
	}
	return nil
}

// Open opens the warehouse for writing, refusing a missing file (Missing).
func (s *Site) Open(ctx context.Context) (*warehouse.Warehouse, error) {
	if err := s.Missing(); err != nil {
		return nil, err
	}
	return s.OpenCreating(ctx)
}

// OpenCreating opens the warehouse for writing, creating it when missing
// (enlist init).
func (s *Site) OpenCreating(ctx context.Context) (*warehouse.Warehouse, error) {
	cfg, r, err := s.settings()
	if err != nil {
		return nil, err
	}
	return warehouse.Open(ctx, s.DB, warehouse.Options{Threads: r.Threads, MemoryLimit: r.MemoryLimit, Config: &cfg,
		CheckIndicator: CheckIndicator})
}

// OpenReader opens the published read-only copy of the warehouse, so a
// query or report never waits for a running load and never sees half of
// one. sandbox opens it for analysts' SQL: no file access, settings locked.
func (s *Site) OpenReader(ctx context.Context, sandbox bool) (*warehouse.Warehouse, error) {
	cfg, r, err := s.settings()
	if err != nil {
		return nil, err
	}
	return warehouse.OpenReader(ctx, s.DB, warehouse.Options{Threads: r.Threads, MemoryLimit: r.MemoryLimit,
		Config: &cfg, Sandbox: sandbox})
}

// OpenScratch opens another warehouse file (a throwaway copy) with this
// site's settings and resources.
func (s *Site) OpenScratch(ctx context.Context, path string) (*warehouse.Warehouse, error) {
	cfg, r, err := s.settings()
	if err != nil {
		return nil, err
	}
	return warehouse.Open(ctx, path, warehouse.Options{Threads: r.Threads, MemoryLimit: r.MemoryLimit, Config: &cfg,
		CheckIndicator: CheckIndicator})
}

// Resolved is the threads and memory every step of this site runs with,
// resolved from the flags, environment, enlist.yaml and defaults.
func (s *Site) Resolved() (config.Resources, error) {
	_, r, err := s.settings()
	return r, err
}

func (s *Site) settings() (config.Config, config.Resources, error) {
	cfg, err := s.Config()
	if err != nil {
		return cfg, config.Resources{}, err
	}
	r, err := s.Resources(cfg)
	return cfg, r, err
}

// Publish makes what a writer committed visible to readers. The warehouse
// must be closed first.
func (s *Site) Publish(ctx context.Context) error {
	cfg, err := s.Config()
	if err != nil {
		return err
	}
	p, err := warehouse.PublishKeeping(ctx, s.DB, cfg.Publish.KeepVersions)
	log := s.Logger()
	switch {
	case err != nil:
		return err
	case p.Deferred:
		log.Info("publish left to this process's job still holding the warehouse")
	case p.Copied:
		log.Info("published", "copy", p.Path)
	default:
		log.Info("published copy already current; nothing readers use changed", "copy", p.Path)
	}
	return nil
}

// Beside reads a relative path (in a schedule) as relative to the
// warehouse's folder, where enlist.yaml and the secret live too, so it
// means the same whatever folder the process starts in.
func (s *Site) Beside(p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(filepath.Dir(s.DB), p)
}

// Zone is the configured zone times are shown to people in, and its label
// (the zone's name and offset now, e.g. "Asia/Shanghai, UTC+08:00"); UTC
// when the configuration cannot be read.
func (s *Site) Zone() (*time.Location, string) {
	loc := time.UTC
	if cfg, err := s.Config(); err == nil {
		loc = cfg.Location()
	}
	return loc, ZoneLabel(loc, time.Now())
}

// ZoneLabel names loc and its offset at t.
func ZoneLabel(loc *time.Location, t time.Time) string {
	return loc.String() + ", UTC" + t.In(loc).Format("-07:00")
}

// Signature is who signs the bulletin (enlist.yaml bulletin: unit,
// preparer, reviewer).
func (s *Site) Signature() (bulletin.Signature, error) {
	cfg, err := s.Config()
	if err != nil {
		return bulletin.Signature{}, err
	}
	return bulletin.Signature{Unit: cfg.Bulletin.Unit, Preparer: cfg.Bulletin.Preparer, Reviewer: cfg.Bulletin.Reviewer}, nil
}

// NewLoader makes the loader every command and job shares, with the
// office's own spellings from enlist.yaml.
func (s *Site) NewLoader(wh *warehouse.Warehouse, key secret.Key, progress load.Progress) (*load.Loader, error) {
	loader, err := load.NewLoader(wh, key, s.Logger(), progress)
	if err != nil {
		return nil, err
	}
	cfg, err := s.Config()
	if err != nil {
		return nil, err
	}
	if err := loader.UseOverrides(mapping.Overrides{Columns: cfg.Columns, Values: cfg.Values}); err != nil {
		return nil, err
	}
	return loader, nil
}

// RollupOptions are what a rollup into this site's warehouse takes from
// it: its configuration and secret, DuckDB's limits, and the log.
func (s *Site) RollupOptions(withdraw []string) (rollup.Options, error) {
	cfg, r, err := s.settings()
	if err != nil {
		return rollup.Options{}, err
	}
	return rollup.Options{
		Config: &cfg, Threads: r.Threads, MemoryLimit: r.MemoryLimit, CheckIndicator: CheckIndicator,
		Key:      func() (secret.Key, error) { return s.Key() },
		Withdraw: withdraw, Log: s.Logger(),
	}, nil
}

// CheckIndicator is the analysts' sandbox check every warehouse this site
// opens for writing applies to the indicators of enlist.yaml.
func CheckIndicator(ctx context.Context, tx *sql.Tx, expr string, columns []string) error {
	return analyst.CheckIndicator(ctx, tx, expr, columns)
}
