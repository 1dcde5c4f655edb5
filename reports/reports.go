// Package reports writes the outputs leadership groups read: the weekly
// bulletin (周通报) of a region as one XLSX workbook and one offline HTML
// page, and the data-quality report. The CLI (enlist report, enlist demo)
// and scheduled jobs call these functions; the figures come from the
// warehouse's models through reports/bulletin, the formatting from
// reports/workbook and reports/page.
package reports

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	enlistfiles "enlist/internal/files"
	"enlist/internal/warehouse"
	"enlist/reports/bulletin"
	"enlist/reports/page"
	"enlist/reports/workbook"
)

// Options choose a report and where it goes.
type Options struct {
	bulletin.Options
	Out string    // folder for the files (created); "" = current folder
	Now time.Time // generation time shown on the page; zero = now
}

// Files are the paths written.
type Files struct {
	XLSX, HTML string
}

// Weekly writes the weekly bulletin of opt.Scope: bulletin_<scope>_<date>.xlsx
// and .html in opt.Out.
func Weekly(ctx context.Context, wh *warehouse.Warehouse, opt Options) (Files, error) {
	b, err := bulletin.Gather(ctx, wh, opt.Options)
	if err != nil {
		return Files{}, err
	}
	return WriteWeekly(b, opt)
}

// WriteWeekly writes an already gathered bulletin. When the page cannot be
// written (a binary built without the ECharts bundle: assets.ErrNoBundle),
// the workbook is still there and Files.XLSX says where.
func WriteWeekly(b *bulletin.Bulletin, opt Options) (Files, error) {
	if err := os.MkdirAll(dirOf(opt.Out), 0o755); err != nil {
		return Files{}, fmt.Errorf("create %s: %w", opt.Out, err)
	}
	base := filepath.Join(dirOf(opt.Out), fmt.Sprintf("bulletin_%s_%s", b.Scope.Code(), b.AsOf.Format("20060102")))
	files := Files{XLSX: base + ".xlsx", HTML: base + ".html"}
	now := opt.Now
	if now.IsZero() {
		now = time.Now()
	}
	b.Generated = now
	opt.tell("writing " + filepath.Base(files.XLSX))
	f, err := workbook.Weekly(b)
	if err != nil {
		return Files{}, fmt.Errorf("bulletin workbook: %w", err)
	}
	if err := workbook.Save(f, files.XLSX); err != nil {
		return Files{}, err
	}
	opt.tell("writing " + filepath.Base(files.HTML))
	if err := enlistfiles.Write(files.HTML, 0o644, func(out io.Writer) error { return page.Write(out, b, now) }); err != nil {
		// The workbook stands on its own: say where it is even so.
		return Files{XLSX: files.XLSX}, err
	}
	return files, nil
}

// Quality writes the data-quality workbook of opt.Scope:
// quality_<scope>_<date>.xlsx in opt.Out, the warnings between files
// included.
func Quality(ctx context.Context, wh *warehouse.Warehouse, opt Options) (string, error) {
	opt.Audit = true
	b, err := bulletin.Gather(ctx, wh, opt.Options)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(dirOf(opt.Out), 0o755); err != nil {
		return "", fmt.Errorf("create %s: %w", opt.Out, err)
	}
	path := filepath.Join(dirOf(opt.Out), fmt.Sprintf("quality_%s_%s.xlsx", b.Scope.Code(), b.AsOf.Format("20060102")))
	opt.tell("writing " + filepath.Base(path))
	f, err := workbook.Quality(b)
	if err != nil {
		return "", fmt.Errorf("data-quality workbook: %w", err)
	}
	return path, workbook.Save(f, path)
}

// tell passes a step to Options.Progress, when there is one.
func (o Options) tell(step string) {
	if o.Progress != nil {
		o.Progress(step)
	}
}

func dirOf(out string) string {
	if out == "" {
		return "."
	}
	return out
}
