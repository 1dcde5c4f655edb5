// Package rollup consolidates what counties and cities deliver — their
// warehouse files or their extract folders — into the province's warehouse
// (SPEC §8), with lineage to every source.
//
// A delivery is one source's current state: every load its own ledger still
// holds as current, copied with its rows, flags and rejects under new load
// ids. A newer delivery from the same source (same region, or same path)
// replaces the earlier one; all of one rollup's changes land in a single
// transaction, so a crash leaves the province as it was. Two sources that
// claim the same scope (kind, exam type, year, season, and regions one
// inside the other) are refused with both named, never merged.
//
// People match across warehouses because every office pseudonymises with
// the same provincial secret: the same identity number gives the same
// person UUID in every county, so the province sees a person registered in
// two counties, or examined in one and approved in another. A county that
// used another secret cannot be told apart by its data (its people simply
// never match anyone else's), so each warehouse keeps its secret's
// fingerprint and a source whose fingerprint is not the province's is
// refused, named.
package rollup

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"enlist/internal/config"
	"enlist/internal/secret"
	"enlist/internal/warehouse"
	loadpkg "enlist/pipelines/load"
	"enlist/pipelines/mapping"
)

// dataTables are the kinds a delivery carries (mapping's data kinds) and
// the tables they fill.
var dataTables = func() map[string]string {
	m := map[string]string{}
	for _, k := range mapping.DataKinds() {
		spec, _ := mapping.Spec(k)
		m[string(k)] = spec.Table
	}
	return m
}()

// filledTables are what a delivery fills, by load_id: its ledger entries
// first, then its rows (the data kinds' tables), flags and rejects.
var filledTables = func() []string {
	out := []string{"load_ledger"}
	for _, k := range mapping.DataKinds() {
		out = append(out, dataTables[string(k)])
	}
	return append(out, "row_flags", "rejects")
}()

// Options configure one rollup.
type Options struct {
	Config *config.Config // province settings; nil = built-in
	// CheckIndicator checks the indicators Config defines (site.CheckIndicator).
	CheckIndicator warehouse.IndicatorCheck
	Threads        int
	MemoryLimit    string
	// Key gives the pseudonymisation secret; it is asked for only when a
	// source is an extract folder.
	Key func() (secret.Key, error)
	// Withdraw removes the current deliveries of these sources (a path or
	// a region code), e.g. before a city takes over from its counties.
	Withdraw []string
	Log      *slog.Logger
	// Progress hears what the rollup is doing, for a person watching.
	Progress func(source, step string)
	// NoPublish leaves the published copy alone (tests of the transaction).
	NoPublish bool
}

// Outcome is what happened to one source.
type Outcome struct {
	Source      string // as given
	Path        string // absolute
	Type        string // warehouse or extracts
	ReadPath    string // the file or folder read
	Region      string // the region the source covers
	Fingerprint string
	Status      string // delivered, unchanged, refused, withdrawn
	Delivery    int64  // delivery id in the province
	Replaced    []int64
	Loads       int
	Rows        int64
	Skipped     int // regions loads not carried
	Err         error
}

// Report is the outcome of one rollup.
type Report struct {
	Into      string
	Outcomes  []Outcome
	Changed   bool
	Published string // the published copy, when one was made
}

// ConflictError refuses a source whose scope another source also claims.
type ConflictError struct {
	Source, Other           string // paths
	SourceScope, OtherScope string
	Earlier                 bool // Other is a delivery already in the province
	SameRegion              string
}

func (e *ConflictError) Error() string {
	if e.Earlier {
		return fmt.Sprintf("%s claims %s, which the earlier delivery from %s already covers (%s); refused, nothing of it merged "+
			"(if %s now delivers instead, run enlist rollup --withdraw %s first)",
			e.Source, e.SourceScope, e.Other, e.OtherScope, e.Source, e.Other)
	}
	if e.SameRegion != "" {
		return fmt.Sprintf("%s and %s both deliver region %s in this rollup; both refused, nothing merged (give one of them)",
			e.Source, e.Other, e.SameRegion)
	}
	return fmt.Sprintf("%s and %s both claim the same scope (%s / %s); both refused, nothing merged (give only one of them)",
		e.Source, e.Other, e.SourceScope, e.OtherScope)
}

// delivery is a current delivery in the province.
type delivery struct {
	id               int64
	region, path, fp string
	loads            []load
	withdrawnBy      string // the --withdraw value naming it; "" = it stays
}

// source is one argument on its way in.
type source struct {
	out      *Outcome
	catalog  string // attached as
	loads    []load
	replaces []*delivery
}

// changed tells whether the source is to be delivered in this rollup.
func (s *source) changed() bool { return s.out.Status == "delivered" }

// Run rolls sources up into the warehouse at into (created if missing), then
// closes and publishes it. The error joins every refused source's reason;
// the other sources land regardless.
func Run(ctx context.Context, into string, args []string, opt Options) (Report, error) {
	if opt.Log == nil {
		opt.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opt.Progress == nil {
		opt.Progress = func(string, string) {}
	}
	rep := Report{Into: into}
	intoAbs, err := filepath.Abs(into)
	if err != nil {
		return rep, err
	}
	wh, err := warehouse.Open(ctx, intoAbs, warehouse.Options{Threads: opt.Threads, MemoryLimit: opt.MemoryLimit, Config: opt.Config,
		CheckIndicator: opt.CheckIndicator})
	if err != nil {
		return rep, fmt.Errorf("rollup into %s: %w", into, err)
	}
	r := &run{opt: opt, wh: wh, into: intoAbs}
	defer r.cleanup()
	runErr := wh.WithConn(ctx, func(c *warehouse.Conn) error {
		r.c = c
		return r.do(ctx, args)
	})
	for _, s := range r.sources {
		rep.Outcomes = append(rep.Outcomes, *s.out)
	}
	for _, d := range r.current {
		if d.withdrawnBy != "" && runErr == nil {
			rep.Outcomes = append(rep.Outcomes, Outcome{Source: d.withdrawnBy, Path: d.path, Region: d.region,
				Fingerprint: d.fp, Status: "withdrawn", Delivery: d.id})
		}
	}
	rep.Changed = r.changed && runErr == nil
	if runErr == nil {
		// The warnings between files of the seasons the deliveries changed
		// (warehouse.KeepSeasonWarnings), also when this run changed
		// nothing: one killed after its commit left them to keep. Left
		// stale, the bulletin computes them instead, so a failure here is
		// only logged.
		if kept, err := wh.KeepSeasonWarnings(ctx); err != nil {
			opt.Log.Warn("warnings between files not kept; the bulletin will compute them", "into", into, "err", err)
		} else if len(kept) > 0 {
			opt.Log.Info("warnings between files kept", "into", into, "seasons", kept)
		}
	}
	if err := wh.Close(); err != nil {
		return rep, errors.Join(runErr, fmt.Errorf("close %s: %w", into, err))
	}
	if runErr != nil {
		return rep, runErr
	}
	var refused []error
	for _, o := range rep.Outcomes {
		if o.Err != nil {
			refused = append(refused, o.Err)
		}
	}
	if !opt.NoPublish {
		if rep.Changed || warehouse.NeedsPublish(intoAbs) {
			if rep.Published, err = warehouse.Publish(ctx, intoAbs); err != nil {
				return rep, errors.Join(append(refused, err)...)
			}
			opt.Log.Info("rollup published", "into", into, "copy", rep.Published)
		}
	}
	return rep, errors.Join(refused...)
}

type run struct {
	opt      Options
	wh       *warehouse.Warehouse
	c        *warehouse.Conn
	into     string
	stageDir string
	sources  []*source
	current  []*delivery
	attached []string
	changed  bool
	// cols are the province's columns of filledTables, read once: every
	// source is checked against them and copied into them.
	cols map[string][]string
	// fp is the fingerprint of the province's secret. When the province
	// has none recorded and no secret is at hand, the first source's is
	// taken (adoptedFrom names it) and recorded with the delivery.
	fp, adoptedFrom string
}

func (r *run) cleanup() {
	if r.stageDir != "" {
		os.RemoveAll(r.stageDir)
	}
}

func (r *run) refuse(s *source, err error) {
	if s.out.Err != nil {
		return
	}
	if s.out.Status == "unchanged" {
		// Its earlier delivery stays as it is; only this run's claim is refused.
		s.out.Delivery = 0
	}
	s.out.Status, s.out.Err = "refused", err
	r.opt.Log.Error("source refused", "source", s.out.Source, "error", err)
	r.opt.Progress(s.out.Source, "refused")
}

func (r *run) do(ctx context.Context, args []string) (err error) {
	defer func() {
		// Detach on a fresh context: the province must not keep a
		// source's file open after a cancelled rollup.
		for _, cat := range r.attached {
			if _, derr := r.c.ExecContext(context.WithoutCancel(ctx), `DETACH `+cat); derr != nil {
				err = errors.Join(err, derr)
			}
		}
	}()
	if r.current, err = readDeliveries(ctx, r.c); err != nil {
		return err
	}
	if r.cols, err = columns(ctx, r.c, ""); err != nil {
		return err
	}
	for _, t := range filledTables {
		if len(r.cols[t]) == 0 {
			return fmt.Errorf("no table %s", t)
		}
	}
	if err := r.markWithdrawals(); err != nil {
		return err
	}
	if err := r.provinceFingerprint(ctx); err != nil {
		return err
	}
	seen := map[string]bool{}
	for i, arg := range args {
		if err := ctx.Err(); err != nil {
			return err // stopped (SIGTERM): nothing was written yet
		}
		s := &source{out: &Outcome{Source: arg}, catalog: fmt.Sprintf("rollup_src_%d", i+1)}
		r.sources = append(r.sources, s)
		abs, typ, readPath, err := resolve(arg, r.into)
		s.out.Path, s.out.Type, s.out.ReadPath = abs, typ, readPath
		if err != nil {
			r.refuse(s, err)
			continue
		}
		if seen[abs] {
			s.out.Status = "duplicate"
			r.opt.Log.Info("source given twice; read once", "source", arg)
			continue
		}
		seen[abs] = true
		if err := r.open(ctx, s); err != nil {
			r.refuse(s, err)
		}
	}
	r.findConflicts()
	var todo []*source
	for _, s := range r.sources {
		if s.changed() {
			todo = append(todo, s)
		}
	}
	withdrawing := false
	for _, d := range r.current {
		withdrawing = withdrawing || d.withdrawnBy != ""
	}
	if len(todo) == 0 && !withdrawing {
		return nil
	}
	if err := r.commit(ctx, todo); err != nil {
		for _, s := range todo {
			s.out.Status, s.out.Err = "refused", fmt.Errorf("%s: rollup rolled back: %w", s.out.Source, err)
		}
		return err
	}
	r.changed = true
	return nil
}

// open reads a source's loads, loading an extract folder into a staging
// warehouse first, and decides whether anything changed.
func (r *run) open(ctx context.Context, s *source) error {
	o := s.out
	if o.Type == TypeExtracts {
		fp, err := folderFingerprint(o.Path)
		if err != nil {
			return err
		}
		o.Fingerprint = fp
		if d := r.unchanged(o.Path, "", fp); d != nil {
			r.keep(o, d)
			return nil
		}
		staged, err := r.stage(ctx, o)
		if err != nil {
			return err
		}
		o.ReadPath = staged
	}
	r.opt.Progress(o.Source, "reading")
	if _, err := r.c.ExecContext(ctx, `ATTACH `+quote(o.ReadPath)+` AS `+s.catalog+` (READ_ONLY)`); err != nil {
		if o.ReadPath == o.Path {
			return fmt.Errorf("source %s: %w (a county's running ingest holds its file; it has no published copy to read instead)", o.Source, err)
		}
		return fmt.Errorf("source %s: %w", o.Source, err)
	}
	r.attached = append(r.attached, s.catalog)
	if err := r.checkSecret(ctx, s); err != nil {
		return err
	}
	if o.Type == TypeExtracts {
		// The staged file is read through its attachment from here on.
		o.ReadPath = o.Path
	}
	loads, skipped, err := readLoads(ctx, r.c, s.catalog)
	if err != nil {
		return fmt.Errorf("source %s: %w", o.Source, err)
	}
	s.loads, o.Skipped, o.Loads, o.Rows = loads, skipped, len(loads), rowsOf(loads)
	if skipped > 0 {
		r.opt.Log.Warn("regions extracts not rolled up; the province keeps its own division table", "source", o.Source, "loads", skipped)
	}
	o.Region = regionOf(loads)
	if o.Region == "" {
		return fmt.Errorf("source %s holds no loaded extracts with a region; nothing to roll up", o.Source)
	}
	if o.Type == TypeWarehouse {
		o.Fingerprint = ledgerFingerprint(loads)
		if d := r.unchanged(o.Path, o.Region, o.Fingerprint); d != nil {
			r.keep(o, d)
			return nil
		}
	}
	if err := r.checkColumns(ctx, s.catalog); err != nil {
		return fmt.Errorf("source %s: %w", o.Source, err)
	}
	o.Status = "delivered"
	for _, d := range r.current {
		if d.withdrawnBy == "" && (d.region == o.Region || d.path == o.Path) {
			s.replaces = append(s.replaces, d)
		}
	}
	return nil
}

// provinceFingerprint finds the fingerprint of the province's secret: the
// one recorded in its warehouse, else that of the secret at hand (recorded
// now). With neither, the first source's becomes the province's.
func (r *run) provinceFingerprint(ctx context.Context) error {
	fp, err := r.wh.SecretFingerprint(ctx)
	if err != nil {
		return err
	}
	if fp == "" && r.opt.Key != nil {
		if key, kerr := r.opt.Key(); kerr == nil {
			if _, err := r.wh.CheckSecret(ctx, key, "rollup"); err != nil {
				return err
			}
			fp = key.Fingerprint()
		}
	}
	r.fp = fp
	return nil
}

// checkSecret refuses a source pseudonymised under another secret than the
// province's: its people would match nobody else's, so a person registered
// in two counties, or examined in one and approved in another, would go
// unseen and the province's figures would be wrong without a sign.
func (r *run) checkSecret(ctx context.Context, s *source) error {
	var fp string
	err := r.c.QueryRowContext(ctx, `SELECT fingerprint FROM `+s.catalog+`.main.secret_fingerprint ORDER BY recorded_at LIMIT 1`).Scan(&fp)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("source %s has no secret fingerprint recorded, so whether its people match the province's cannot be told; "+
			"at that office run enlist --db FILE init (with its secret) to record it, then roll up again", s.out.Source)
	case err != nil:
		return fmt.Errorf("source %s: read its secret fingerprint: %w (open it once with this version of enlist to upgrade it)", s.out.Source, err)
	}
	if r.fp == "" {
		r.fp, r.adoptedFrom = fp, s.out.Path
		r.opt.Log.Warn("the province has no secret fingerprint and no secret; taking the first source's", "source", s.out.Source,
			"fingerprint", secret.Short(fp))
		return nil
	}
	if fp != r.fp {
		return fmt.Errorf("%w: source %s was made with the secret of fingerprint %s, the province %s with %s; "+
			"its people would match nobody else's (a person registered in two counties would go unseen), so it is refused "+
			"and nothing of it merged. The office must pseudonymise with the provincial secret: restore it there, "+
			"or make its warehouse again under it (enlist init with the provincial secret file, then ingest its files)",
			secret.ErrMismatch, s.out.Source, secret.Short(fp), r.into, secret.Short(r.fp))
	}
	return nil
}

// keep records that a source is the current delivery d already: the same
// fingerprint, so the same loads, rows and region.
func (r *run) keep(o *Outcome, d *delivery) {
	o.Status, o.Region, o.Delivery = "unchanged", d.region, d.id
	o.Loads, o.Rows = len(d.loads), rowsOf(d.loads)
	r.opt.Log.Info("source unchanged", "source", o.Source, "region", d.region, "delivery", d.id)
	r.opt.Progress(o.Source, "unchanged")
}

func rowsOf(loads []load) (n int64) {
	for _, l := range loads {
		n += l.rows
	}
	return n
}

// unchanged finds the current delivery this source already is.
func (r *run) unchanged(path, region, fp string) *delivery {
	for _, d := range r.current {
		if d.withdrawnBy == "" && d.fp == fp && (d.path == path || (region != "" && d.region == region)) {
			return d
		}
	}
	return nil
}

// stage loads an extract folder through the ordinary loader into a staging
// warehouse beside the province's, so its scopes are known and checked
// before anything of it reaches the province.
func (r *run) stage(ctx context.Context, o *Outcome) (string, error) {
	if r.opt.Key == nil {
		return "", fmt.Errorf("source %s is an extract folder, which needs the pseudonymisation secret", o.Source)
	}
	key, err := r.opt.Key()
	if err != nil {
		return "", fmt.Errorf("source %s: %w", o.Source, err)
	}
	if r.stageDir == "" {
		if r.stageDir, err = os.MkdirTemp(filepath.Dir(r.into), ".rollup-staging-"); err != nil {
			return "", fmt.Errorf("staging for %s: %w", o.Source, err)
		}
	}
	path := filepath.Join(r.stageDir, fmt.Sprintf("stage-%d.duckdb", len(r.sources)))
	r.opt.Progress(o.Source, "loading extracts")
	st, err := warehouse.Open(ctx, path, warehouse.Options{Threads: r.opt.Threads, MemoryLimit: r.opt.MemoryLimit, Config: r.opt.Config,
		CheckIndicator: r.opt.CheckIndicator})
	if err != nil {
		return "", fmt.Errorf("staging for %s: %w", o.Source, err)
	}
	loader, err := loadpkg.NewLoader(st, key, r.opt.Log, func(file string, rows int) {
		r.opt.Progress(o.Source, fmt.Sprintf("%s: %d rows", filepath.Base(file), rows))
	})
	if err != nil {
		return "", errors.Join(err, st.Close())
	}
	// The office's own spellings (enlist.yaml columns: and values:) apply
	// to a folder rolled up as to the same files ingested: a file enlist
	// ingest takes must not be refused here.
	if c := r.opt.Config; c != nil {
		if err := loader.UseOverrides(mapping.Overrides{Columns: c.Columns, Values: c.Values}); err != nil {
			return "", errors.Join(fmt.Errorf("source %s: %w", o.Source, err), st.Close())
		}
	}
	_, loadErr := loader.LoadPaths(ctx, []string{o.Path}, loadpkg.Options{})
	if err := errors.Join(loadErr, st.Close()); err != nil {
		// A folder with a refused file is not the office's whole delivery;
		// landing the rest would replace a complete earlier one with less.
		return "", fmt.Errorf("extract folder %s: %w; nothing of it rolled up", o.Source, err)
	}
	return path, nil
}

// checkColumns makes sure the source has every column the province's
// tables take, so a source from an older enlist fails before the
// transaction rather than in the middle of it.
func (r *run) checkColumns(ctx context.Context, catalog string) error {
	have, err := columns(ctx, r.c, catalog)
	if err != nil {
		return err
	}
	for _, t := range filledTables {
		if len(have[t]) == 0 {
			return fmt.Errorf("no table %s", t)
		}
		got := map[string]bool{}
		for _, c := range have[t] {
			got[c] = true
		}
		for _, c := range r.cols[t] {
			if !got[c] {
				return fmt.Errorf("table %s has no column %s; open it once with this version of enlist (enlist status --db FILE) to upgrade it", t, c)
			}
		}
	}
	return nil
}

// findConflicts refuses sources whose scopes meet another's: both sources
// when both are new in this rollup (neither can be preferred), the newcomer
// when the other is an earlier delivery it does not replace.
func (r *run) findConflicts() {
	var changed []*source
	for _, s := range r.sources {
		if s.changed() {
			changed = append(changed, s)
		}
	}
	var found []func()
	for i, a := range changed {
		for _, b := range changed[i+1:] {
			if a.out.Region == b.out.Region {
				found = append(found, r.conflictBoth(a, b, &ConflictError{SameRegion: a.out.Region}))
				continue
			}
			if x, y, ok := firstOverlap(a.loads, b.loads); ok {
				found = append(found, r.conflictBoth(a, b, &ConflictError{SourceScope: x.describe(), OtherScope: y.describe()}))
			}
		}
	}
	// A newcomer that would replace the delivery an unchanged source of
	// this same rollup stands for (a second file of that county) leaves no
	// way to tell which is the county's.
	for _, s := range changed {
		for _, u := range r.sources {
			if u.out.Status != "unchanged" {
				continue
			}
			for _, d := range s.replaces {
				if d.id == u.out.Delivery {
					found = append(found, r.conflictBoth(s, u, &ConflictError{SameRegion: d.region}))
				}
			}
		}
	}
	// Unchanged sources are current deliveries already; a newcomer meeting
	// one of them is checked below like any earlier delivery.
	for _, s := range changed {
		for _, d := range r.current {
			if d.withdrawnBy != "" || contains(s.replaces, d) {
				continue
			}
			if x, y, ok := firstOverlap(s.loads, d.loads); ok {
				s, d, x, y := s, d, x, y
				found = append(found, func() {
					r.refuse(s, &ConflictError{Source: s.out.Source, Other: d.path, SourceScope: x.describe(),
						OtherScope: y.describe(), Earlier: true})
				})
				break
			}
		}
	}
	for _, f := range found {
		f()
	}
}

func (r *run) conflictBoth(a, b *source, tmpl *ConflictError) func() {
	return func() {
		ea, eb := *tmpl, *tmpl
		ea.Source, ea.Other = a.out.Source, b.out.Source
		eb.Source, eb.Other = b.out.Source, a.out.Source
		eb.SourceScope, eb.OtherScope = tmpl.OtherScope, tmpl.SourceScope
		r.refuse(a, &ea)
		r.refuse(b, &eb)
	}
}

func contains(ds []*delivery, d *delivery) bool {
	for _, x := range ds {
		if x == d {
			return true
		}
	}
	return false
}

// markWithdrawals finds the deliveries --withdraw names.
func (r *run) markWithdrawals() error {
	var errs []error
	for _, w := range r.opt.Withdraw {
		abs, _ := filepath.Abs(w)
		found := false
		for _, d := range r.current {
			if d.path == abs || d.region == w {
				d.withdrawnBy, found = w, true
			}
		}
		if !found {
			errs = append(errs, fmt.Errorf("--withdraw %s: no current delivery has that path or region", w))
		}
	}
	return errors.Join(errs...)
}

// commit lands every accepted source and withdrawal in one transaction.
func (r *run) commit(ctx context.Context, todo []*source) (err error) {
	c := r.c
	if err := c.Begin(ctx); err != nil {
		return err
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, c.Rollback(ctx))
		}
	}()
	now := time.Now().UTC()
	if r.adoptedFrom != "" {
		if _, err := c.ExecContext(ctx, `INSERT INTO main.secret_fingerprint (fingerprint, recorded_at, recorded_by)
			SELECT ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM main.secret_fingerprint)`, r.fp, now, "rollup from "+r.adoptedFrom); err != nil {
			return fmt.Errorf("record the province's secret fingerprint: %w", err)
		}
	}
	for _, d := range r.current {
		if d.withdrawnBy != "" {
			r.opt.Progress(d.path, "withdrawing")
			if err := removeDelivery(ctx, c, d.id, "withdrawn", nil); err != nil {
				return err
			}
		}
	}
	for _, s := range todo {
		r.opt.Progress(s.out.Source, "copying")
		if err := r.deliver(ctx, s, now); err != nil {
			return fmt.Errorf("deliver %s: %w", s.out.Source, err)
		}
		r.opt.Log.Info("source delivered", "source", s.out.Source, "region", s.out.Region, "delivery", s.out.Delivery,
			"loads", s.out.Loads, "rows", s.out.Rows, "replaced", len(s.out.Replaced))
	}
	return c.Commit(ctx)
}

// deliver copies one source's current loads into the province under new
// load ids (keeping their order, which the models use to pick a person's
// latest record), replacing its earlier delivery.
func (r *run) deliver(ctx context.Context, s *source, now time.Time) error {
	c := r.c
	o := s.out
	if err := c.QueryRowContext(ctx, `SELECT nextval('rollup_delivery_seq')`).Scan(&o.Delivery); err != nil {
		return fmt.Errorf("next delivery id: %w", err)
	}
	for _, d := range s.replaces {
		if err := removeDelivery(ctx, c, d.id, "replaced", o.Delivery); err != nil {
			return err
		}
		o.Replaced = append(o.Replaced, d.id)
	}
	ids, err := nextLoadIDs(ctx, c, len(s.loads))
	if err != nil {
		return err
	}
	var pairs []string
	for i, l := range s.loads {
		pairs = append(pairs, fmt.Sprintf("(%d, %d)", l.id, ids[i]))
	}
	if _, err := c.ExecContext(ctx, `CREATE OR REPLACE TEMP TABLE rollup_map (src_id BIGINT, new_id BIGINT);
		INSERT INTO rollup_map VALUES `+strings.Join(pairs, ", ")); err != nil {
		return fmt.Errorf("map load ids: %w", err)
	}
	for _, t := range filledTables {
		cols := r.cols[t]
		sel := make([]string, len(cols))
		for i, col := range cols {
			switch {
			case col == "load_id":
				sel[i] = "m.new_id"
			case t == "load_ledger" && (col == "replaced_by" || col == "restores"):
				sel[i] = "NULL"
			default:
				sel[i] = `s."` + col + `"`
			}
		}
		q := `INSERT INTO main.` + t + ` ("` + strings.Join(cols, `", "`) + `")
			SELECT ` + strings.Join(sel, ", ") + ` FROM ` + s.catalog + `.main.` + t + ` s
			JOIN temp.rollup_map m ON m.src_id = s.load_id`
		if _, err := c.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("copy %s: %w", t, err)
		}
	}
	if _, err := c.ExecContext(ctx, `INSERT INTO main.rollup_loads (delivery_id, load_id, source_load_id, file, sha256,
		       kind, exam_type, mode, scope_region, scope_year, scope_season, rows_accepted)
		SELECT ?, m.new_id, l.load_id, l.file, l.sha256, l.kind, l.exam_type, l.mode,
		       l.scope_region, l.scope_year, l.scope_season, l.rows_accepted
		FROM `+s.catalog+`.main.load_ledger l JOIN temp.rollup_map m ON m.src_id = l.load_id`, o.Delivery); err != nil {
		return fmt.Errorf("record loads: %w", err)
	}
	set := warehouse.Set
	if err := c.InsertRow(ctx, "rollup_deliveries", set("delivery_id", o.Delivery), set("source_region", o.Region),
		set("source_type", o.Type), set("source_path", o.Path), set("read_path", o.ReadPath),
		set("fingerprint", o.Fingerprint), set("loads", int32(o.Loads)), set("rows_accepted", o.Rows),
		set("delivered_at", now), set("status", "current")); err != nil {
		return fmt.Errorf("record delivery: %w", err)
	}
	_, err = c.ExecContext(ctx, `DROP TABLE temp.rollup_map`)
	return err
}

// nextLoadIDs takes n ids from the province's load sequence, ascending.
func nextLoadIDs(ctx context.Context, c *warehouse.Conn, n int) ([]int64, error) {
	rows, err := c.QueryContext(ctx, `SELECT nextval('load_id_seq') FROM range(?)`, n)
	if err != nil {
		return nil, fmt.Errorf("next load ids: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids, rows.Err()
}

// removeDelivery deletes a delivery's loads and rows from the province; the
// delivery itself stays listed with its new status.
func removeDelivery(ctx context.Context, c *warehouse.Conn, id int64, status string, by any) error {
	sub := `(SELECT load_id FROM main.rollup_loads WHERE delivery_id = ?)`
	for _, t := range filledTables {
		if _, err := c.ExecContext(ctx, `DELETE FROM main.`+t+` WHERE load_id IN `+sub, id); err != nil {
			return fmt.Errorf("remove delivery %d from %s: %w", id, t, err)
		}
	}
	if _, err := c.ExecContext(ctx, `DELETE FROM main.rollup_loads WHERE delivery_id = ?`, id); err != nil {
		return fmt.Errorf("remove delivery %d: %w", id, err)
	}
	if _, err := c.ExecContext(ctx, `UPDATE main.rollup_deliveries SET status = ?, replaced_by = ? WHERE delivery_id = ?`,
		status, by, id); err != nil {
		return fmt.Errorf("mark delivery %d %s: %w", id, status, err)
	}
	return nil
}

// readDeliveries lists the province's current deliveries with their loads.
func readDeliveries(ctx context.Context, c *warehouse.Conn) ([]*delivery, error) {
	rows, err := c.QueryContext(ctx, `SELECT delivery_id, source_region, source_path, fingerprint
		FROM main.rollup_deliveries WHERE status = 'current' ORDER BY delivery_id`)
	if err != nil {
		return nil, fmt.Errorf("read deliveries: %w", err)
	}
	var out []*delivery
	byID := map[int64]*delivery{}
	for rows.Next() {
		d := &delivery{}
		if err := rows.Scan(&d.id, &d.region, &d.path, &d.fp); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, d)
		byID[d.id] = d
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, err
	}
	rows, err = c.QueryContext(ctx, `SELECT delivery_id, load_id, file, sha256, kind, exam_type, mode,
		scope_region, scope_year, scope_season, rows_accepted FROM main.rollup_loads ORDER BY load_id`)
	if err != nil {
		return nil, fmt.Errorf("read delivered loads: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var l load
		if err := rows.Scan(&id, &l.id, &l.file, &l.sha, &l.kind, &l.examType, &l.mode, &l.region, &l.year, &l.season, &l.rows); err != nil {
			return nil, err
		}
		if d := byID[id]; d != nil {
			d.loads = append(d.loads, l)
		}
	}
	return out, rows.Err()
}

// columns lists, in one catalog query, the columns of every table a
// delivery fills, in order; catalog "" is the province.
func columns(ctx context.Context, c *warehouse.Conn, catalog string) (map[string][]string, error) {
	db, args := "current_database()", []any{}
	if catalog != "" {
		db, args = "?", []any{catalog}
	}
	rows, err := c.QueryContext(ctx, `SELECT table_name, column_name FROM duckdb_columns()
		WHERE database_name = `+db+` AND schema_name = 'main' ORDER BY table_name, column_index`, args...)
	if err != nil {
		return nil, fmt.Errorf("list columns: %w", err)
	}
	defer rows.Close()
	want := map[string]bool{}
	for _, t := range filledTables {
		want[t] = true
	}
	out := map[string][]string{}
	for rows.Next() {
		var t, col string
		if err := rows.Scan(&t, &col); err != nil {
			return nil, err
		}
		if want[t] {
			out[t] = append(out[t], col)
		}
	}
	return out, rows.Err()
}

// quote makes a SQL string literal.
func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
