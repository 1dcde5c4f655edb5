package jobs

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"time"

	"enlist/internal/analyst"
	"enlist/internal/metrics"
	"enlist/internal/site"
	"enlist/internal/tabular"
	"enlist/internal/warehouse"
	"enlist/pipelines/export"
	"enlist/reports"
	"enlist/reports/bulletin"
)

// What enlist metrics, report and export read, from the published copy
// (so that they never wait for a load), as whole steps.

// ReadMetrics reads q's metrics: its regions', or with schools the
// universities' in its region (metrics.ReadSchools). resolved hears the
// period q resolves to (metrics.Resolve) before the figures are read, so
// that a caller can say when the latest season with data stands in for
// the as-of date's.
func ReadMetrics(ctx context.Context, s *site.Site, q metrics.Query, schools bool, resolved func(metrics.Query)) (*tabular.Frame, error) {
	wh, err := openResolved(ctx, s, q, resolved)
	if err != nil {
		return nil, err
	}
	defer wh.Close()
	if schools {
		return metrics.ReadSchools(ctx, wh, q)
	}
	return metrics.Read(ctx, wh, q)
}

// Report writes report ("weekly" or "quality", see WriteReport) of q's
// scope and period into out, signed as the site's settings say; resolved
// is as for ReadMetrics, and progress (may be nil) hears of each step
// (bulletin.Options.Progress). It returns the files written.
func Report(ctx context.Context, s *site.Site, report string, q metrics.Query, out string, lang bulletin.Lang,
	resolved func(metrics.Query), progress func(step string)) ([]string, error) {
	sig, err := s.Signature()
	if err != nil {
		return nil, err
	}
	wh, err := openResolved(ctx, s, q, resolved)
	if err != nil {
		return nil, err
	}
	defer wh.Close()
	start := time.Now()
	files, err := WriteReport(ctx, wh, report, reports.Options{Out: out, Options: bulletin.Options{Scope: q.Scope, Year: q.Year,
		Season: q.Season, AsOf: q.AsOf, Lang: lang, Signature: sig, Fallback: q.Fallback, Progress: progress}})
	if err == nil {
		s.Logger().Info("report written", "report", report, "scope", q.Scope, "files", files, "seconds", time.Since(start).Seconds())
	}
	return files, err
}

// Export writes the curated tables of kinds (none: all) as Parquet into
// out (export.Write), naming the warehouse and the copy read in the note;
// progress hears of each kind.
func Export(ctx context.Context, s *site.Site, out string, kinds []string, progress func(kind string)) (export.Note, error) {
	wh, err := s.OpenReader(ctx, false)
	if err != nil {
		return export.Note{}, err
	}
	live, _ := filepath.Abs(s.DB)
	copyPath, _ := filepath.Abs(wh.Path())
	note, err := export.Write(ctx, wh.DB(), out, export.Options{Kinds: kinds, Warehouse: live, ReadFrom: copyPath, Progress: progress})
	if err = errors.Join(err, wh.Close()); err != nil {
		return export.Note{}, err
	}
	for _, w := range note.Kinds {
		s.Logger().Info("exported", "kind", w.Kind, "rows", w.Rows, "files", w.Files, "partitions", len(w.Partitions))
	}
	return note, nil
}

// Dictionary reads the analysts' data dictionary: with no name, every
// table, view and macro (objects); with a name, that one with its columns
// (obj).
func Dictionary(ctx context.Context, s *site.Site, name string) (objects *tabular.Frame, obj *analyst.Object, err error) {
	wh, err := s.OpenReader(ctx, true)
	if err != nil {
		return nil, nil, err
	}
	defer wh.Close()
	if name == "" {
		objects, err = analyst.Objects(ctx, wh.DB())
		return objects, nil, err
	}
	obj, err = analyst.Describe(ctx, wh.DB(), name)
	return nil, obj, err
}

// openResolved opens the published copy and resolves q's period on it
// (resolve); the caller closes the copy.
func openResolved(ctx context.Context, s *site.Site, q metrics.Query, resolved func(metrics.Query)) (*warehouse.Warehouse, error) {
	wh, err := s.OpenReader(ctx, false)
	if err != nil {
		return nil, err
	}
	if err := resolve(ctx, s, wh.DB(), q, resolved); err != nil {
		return nil, errors.Join(err, wh.Close())
	}
	return wh, nil
}

// resolve resolves q as the metrics and the bulletin will (metrics.Resolve)
// and tells resolved; the latest season with data standing in for the
// as-of date's is logged too.
func resolve(ctx context.Context, s *site.Site, db *sql.DB, q metrics.Query, resolved func(metrics.Query)) error {
	r, err := metrics.Resolve(ctx, db, q)
	if err != nil {
		return err
	}
	if r.Named.Year != 0 {
		s.Logger().Warn("showing the latest season with data", "scope", r.Scope, "as_of", r.AsOf.Format(time.DateOnly),
			"named_year", r.Named.Year, "named_season", r.Named.Season, "year", r.Year, "season", r.Season)
	}
	resolved(r)
	return nil
}
