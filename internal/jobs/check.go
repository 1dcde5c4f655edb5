package jobs

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"time"

	"enlist/internal/files"
	"enlist/internal/secret"
	"enlist/internal/site"
	"enlist/internal/warehouse"
	"enlist/pipelines/load"
	"enlist/pipelines/read"
)

// CheckReport is what enlist check prints (--format json: this structure).
type CheckReport struct {
	Warehouse string      `json:"warehouse"` // the warehouse compared against, or "" for none
	Files     []CheckFile `json:"files"`
}

// CheckFile is one file, or one sheet of a workbook.
type CheckFile struct {
	File    string `json:"file"`
	Sheet   string `json:"sheet,omitempty"`
	Status  string `json:"status"` // would_load, already_loaded, refused
	Refusal string `json:"refusal,omitempty"`
	// Row and Column place a refusal in the file, when it is tied to a
	// row (the line as the office sees it) and a field (1-based).
	Row      int                             `json:"row,omitempty"`
	Column   int                             `json:"column,omitempty"`
	Kind     string                          `json:"kind,omitempty"`
	ExamType string                          `json:"exam_type,omitempty"`
	Scope    *load.Scope                     `json:"scope,omitempty"`
	Headers  []CheckHeader                   `json:"headers,omitempty"`
	Ignored  []string                        `json:"ignored,omitempty"`
	Read     int                             `json:"read"`
	Accepted int                             `json:"accepted"`
	Rejected int                             `json:"rejected"`
	Flagged  int                             `json:"flagged"`
	Reasons  map[string]int                  `json:"reasons,omitempty"`
	Examples map[string][]load.RejectExample `json:"examples,omitempty"`
	Replaces []CheckReplaced                 `json:"replaces,omitempty"`
	// PartlyReplaces are larger regions' loads whose rows for this file's
	// region it would replace.
	PartlyReplaces []CheckReplaced `json:"partly_replaces,omitempty"`
	// Restores is the earlier load of the same file that this one would
	// make current again (an office taking back a correction).
	Restores int64               `json:"restores,omitempty"`
	Warnings []string            `json:"warnings,omitempty"`
	Skipped  []load.SkippedSheet `json:"skipped_sheets,omitempty"`
	LoadID   int64               `json:"already_loaded_as,omitempty"`
}

// CheckHeader is one header and the column it would be read as.
type CheckHeader struct {
	Header string `json:"header"`
	Column string `json:"column"`
	Rule   string `json:"rule"`
}

// CheckReplaced is a load the file would replace.
type CheckReplaced struct {
	LoadID int64  `json:"load_id"`
	File   string `json:"file"`
	Sheet  string `json:"sheet,omitempty"`
	Region string `json:"region,omitempty"` // a partial replacement: the region whose rows go
	Rows   int64  `json:"rows,omitempty"`   // a partial replacement: the rows that go
}

// Refused counts the files that would be refused.
func (r *CheckReport) Refused() int {
	n := 0
	for _, f := range r.Files {
		if f.Status == "refused" {
			n++
		}
	}
	return n
}

// Check runs the ingest road on a throwaway copy of the warehouse (or a new
// empty one), so that its counts are the real ingest's: the same checks,
// the same flags from the warehouse's earlier loads, the same replacements.
// Nothing of the site is written. progress hears of every 50,000 rows read.
func Check(ctx context.Context, s *site.Site, paths []string, opt load.Options, progress load.Progress) (*CheckReport, error) {
	scratch, err := os.MkdirTemp("", "enlist-check-")
	if err != nil {
		return nil, fmt.Errorf("check: %w", err)
	}
	defer os.RemoveAll(scratch)
	copyPath := filepath.Join(scratch, "check.duckdb")
	report := &CheckReport{}
	have, err := copyWarehouse(ctx, s.DB, copyPath)
	if err != nil {
		return nil, err
	}
	var key secret.Key
	if have {
		report.Warehouse = s.DB
		if key, err = s.Key(); err != nil {
			return nil, err
		}
	} else {
		// No warehouse: no earlier loads to match people against, so any
		// key gives the same counts; the office's own is used when there.
		if key, err = s.Key(); err != nil {
			tmp := filepath.Join(scratch, "check.secret")
			if _, err := secret.Create(tmp); err != nil {
				return nil, err
			}
			if key, err = secret.Load(tmp); err != nil {
				return nil, err
			}
		}
	}
	wh, err := s.OpenScratch(ctx, copyPath)
	if err != nil {
		return nil, fmt.Errorf("check: %w", err)
	}
	defer wh.Close()
	loader, err := s.NewLoader(wh, key, progress)
	if err != nil {
		return nil, err
	}
	results, loadErr := loader.LoadPaths(ctx, paths, opt)
	for _, r := range results {
		f := CheckFile{File: r.File, Sheet: r.Sheet}
		if r.Status == "already_loaded" {
			f.Status, f.LoadID = "already_loaded", r.LoadID
			report.Files = append(report.Files, f)
			continue
		}
		scope := r.Scope
		f.Status, f.Kind, f.ExamType, f.Scope = "would_load", string(r.Kind), r.ExamType, &scope
		for _, h := range r.Headers {
			f.Headers = append(f.Headers, CheckHeader{h.Header, h.Column, string(h.Rule)})
		}
		f.Ignored, f.Read, f.Accepted, f.Rejected, f.Flagged = r.Ignored, r.Read, r.Accepted, r.Rejected, r.Flagged
		f.Reasons, f.Examples, f.Warnings, f.Skipped = r.Reasons, r.Examples, r.Warnings, r.Skipped
		if len(f.Reasons) == 0 {
			f.Reasons = nil
		}
		describe := func(id int64) (CheckReplaced, error) {
			rep := CheckReplaced{LoadID: id}
			var sheet *string
			if err := wh.DB().QueryRowContext(ctx, `SELECT file, sheet FROM load_ledger WHERE load_id = ?`, id).Scan(&rep.File, &sheet); err != nil {
				return rep, fmt.Errorf("check: read replaced load %d: %w", id, err)
			}
			if sheet != nil {
				rep.Sheet = *sheet
			}
			return rep, nil
		}
		for _, id := range r.Replaced {
			rep, err := describe(id)
			if err != nil {
				return nil, err
			}
			f.Replaces = append(f.Replaces, rep)
		}
		for _, p := range r.PartlyReplaced {
			rep, err := describe(p.LoadID)
			if err != nil {
				return nil, err
			}
			rep.Region, rep.Rows = p.Region, p.Rows
			f.PartlyReplaces = append(f.PartlyReplaces, rep)
		}
		f.Restores = r.Restores
		report.Files = append(report.Files, f)
	}
	var other []error
	for _, err := range load.Failures(loadErr) {
		var fe *load.FileError
		if errors.As(err, &fe) {
			f := CheckFile{File: fe.File, Status: "refused", Refusal: fe.Err.Error()}
			var re *read.Error
			if errors.As(fe.Err, &re) {
				f.Sheet, f.Row, f.Column = re.Sheet, re.Line, re.Column
			}
			report.Files = append(report.Files, f)
			continue
		}
		other = append(other, err)
	}
	sort.SliceStable(report.Files, func(i, j int) bool { return report.Files[i].File < report.Files[j].File })
	return report, errors.Join(other...)
}

// copyWarehouse copies the live warehouse (and a write-ahead log a crashed
// writer left) to dst while holding DuckDB's shared lock on it, so no
// writer is half-way through a transaction; the live file is opened
// read-only and never written. When a writer holds the file, the published
// copy readers use is taken instead. It reports false when there is no
// warehouse at all.
func copyWarehouse(ctx context.Context, live, dst string) (bool, error) {
	if _, err := os.Stat(live); errors.Is(err, fs.ErrNotExist) {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("check: %w", err)
	}
	src := live
	// A writer (a load, the service) may hold the file: with a published
	// copy to fall back on, wait only briefly.
	wait := time.Duration(0)
	if pub, _ := warehouse.PublishedPath(live); pub != "" {
		wait = 3 * time.Second
	}
	holder, err := warehouse.Open(ctx, live, warehouse.Options{ReadOnly: true, LockWait: wait})
	if err != nil {
		if errors.Is(err, warehouse.ErrLocked) {
			pub, perr := warehouse.PublishedPath(live)
			if perr != nil || pub == "" {
				return false, fmt.Errorf("check: %w", err)
			}
			src = pub
		} else {
			return false, fmt.Errorf("check: %w", err)
		}
	}
	for _, suffix := range []string{"", ".wal"} {
		if _, err := os.Stat(src + suffix); suffix != "" && errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err := files.Copy(src+suffix, dst+suffix); err != nil {
			if holder != nil {
				holder.Close()
			}
			return false, fmt.Errorf("check: copy the warehouse: %w", err)
		}
	}
	if holder != nil {
		if err := holder.Close(); err != nil {
			return false, fmt.Errorf("check: %w", err)
		}
	}
	return true, nil
}
