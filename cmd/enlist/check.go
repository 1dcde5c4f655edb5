package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"enlist/internal/files"
	"enlist/internal/secret"
	"enlist/internal/warehouse"
	"enlist/pipelines/load"
)

func runCheck(ctx context.Context, e *env, args []string) error {
	fs := e.newFlags("check", "[FLAGS] PATH...",
		"Read, map and validate extract files exactly as ingest would, and store nothing: the\n"+
			"warehouse file is not written (it may be read-only, or missing). Prints, per file and\n"+
			"sheet, the kind and scope, each header's column and the rule that matched it (exact,\n"+
			"normalised, guessed, enlist.yaml, --map), the rows ingest would accept, reject and flag,\n"+
			"the top reject reasons with example rows (masked), the loads it would replace, and\n"+
			"warnings. The counts are those a following ingest of the same files reports. A file\n"+
			"that would be refused gets the refusal, with what to do; the exit status is then 1.\n"+
			"The work happens on a temporary copy of the warehouse, removed afterwards.",
		"  enlist check 登记.csv\n"+
			"  enlist check --map '户籍地编码=region_code' inbox/\n"+
			"  enlist check --format json 定兵.xls")
	opt, maps, kind := ingestFlags(fs)
	var format string
	fs.StringVar(&format, "format", "text", "text or json")
	paths, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(paths) == 0 {
		return fmt.Errorf("%w: give at least one file or folder", errUsage)
	}
	if format != "text" && format != "json" {
		return fmt.Errorf("%w: --format %q: use text or json", errUsage, format)
	}
	if err := finishIngestFlags(opt, maps, *kind); err != nil {
		return err
	}
	report, checkErr := check(ctx, e, paths, *opt)
	if report != nil {
		if format == "json" {
			enc := json.NewEncoder(e.stdout)
			enc.SetEscapeHTML(false)
			enc.SetIndent("", "  ")
			if err := enc.Encode(report); err != nil {
				return err
			}
		} else {
			printCheck(e.stdout, report)
		}
	}
	if checkErr != nil {
		return checkErr
	}
	if n := report.refused(); n > 0 {
		return fmt.Errorf("%d file(s) would be refused", n)
	}
	return nil
}

// CheckReport is what enlist check prints (--format json: this structure).
type CheckReport struct {
	Warehouse string      `json:"warehouse"` // the warehouse compared against, or "" for none
	Files     []CheckFile `json:"files"`
}

// CheckFile is one file, or one sheet of a workbook.
type CheckFile struct {
	File     string                          `json:"file"`
	Sheet    string                          `json:"sheet,omitempty"`
	Status   string                          `json:"status"` // would_load, already_loaded, refused
	Refusal  string                          `json:"refusal,omitempty"`
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

func (r *CheckReport) refused() int {
	n := 0
	for _, f := range r.Files {
		if f.Status == "refused" {
			n++
		}
	}
	return n
}

// check runs the ingest road on a throwaway copy of the warehouse (or a new
// empty one), so that its counts are the real ingest's: the same checks,
// the same flags from the warehouse's earlier loads, the same replacements.
func check(ctx context.Context, e *env, paths []string, opt load.Options) (*CheckReport, error) {
	scratch, err := os.MkdirTemp("", "enlist-check-")
	if err != nil {
		return nil, fmt.Errorf("check: %w", err)
	}
	defer os.RemoveAll(scratch)
	copyPath := filepath.Join(scratch, "check.duckdb")
	report := &CheckReport{}
	have, err := copyWarehouse(ctx, e.db, copyPath)
	if err != nil {
		return nil, err
	}
	var key secret.Key
	if have {
		report.Warehouse = e.db
		if key, err = e.key(); err != nil {
			return nil, err
		}
	} else {
		// No warehouse: no earlier loads to match people against, so any
		// key gives the same counts; the office's own is used when there.
		if key, err = e.key(); err != nil {
			tmp := filepath.Join(scratch, "check.secret")
			if _, err := secret.Create(tmp); err != nil {
				return nil, err
			}
			if key, err = secret.Load(tmp); err != nil {
				return nil, err
			}
		}
	}
	cfg, err := e.config()
	if err != nil {
		return nil, err
	}
	r, err := e.resources(cfg)
	if err != nil {
		return nil, err
	}
	wh, err := warehouse.Open(ctx, copyPath, warehouse.Options{Threads: r.Threads, MemoryLimit: r.MemoryLimit, Config: &cfg})
	if err != nil {
		return nil, fmt.Errorf("check: %w", err)
	}
	defer wh.Close()
	loader, err := e.newLoader(wh, key, func(file string, rows int) { e.progress("%s: %d rows", file, rows) })
	if err != nil {
		return nil, err
	}
	results, loadErr := loader.LoadPaths(ctx, paths, opt)
	e.progressDone()
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
	for _, err := range leafErrors(loadErr) {
		var fe *load.FileError
		if errors.As(err, &fe) {
			report.Files = append(report.Files, CheckFile{File: fe.File, Status: "refused", Refusal: fe.Err.Error()})
			continue
		}
		other = append(other, err)
	}
	sort.SliceStable(report.Files, func(i, j int) bool { return report.Files[i].File < report.Files[j].File })
	return report, errors.Join(other...)
}

// leafErrors unpacks the errors.Join of LoadPaths.
func leafErrors(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, leafErrors(e)...)
		}
		return out
	}
	return []error{err}
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

func printCheck(w io.Writer, r *CheckReport) {
	if r.Warehouse == "" {
		fmt.Fprintln(w, "(no warehouse yet: checked against an empty one)")
	}
	for _, f := range r.Files {
		name := f.File
		if f.Sheet != "" {
			name += fmt.Sprintf(" (sheet %s)", f.Sheet)
		}
		switch f.Status {
		case "already_loaded":
			fmt.Fprintf(w, "%s: already loaded (load %d); ingest would change nothing\n", name, f.LoadID)
			continue
		case "refused":
			fmt.Fprintf(w, "%s: would be refused: %s\n", name, f.Refusal)
			continue
		}
		kind := f.Kind
		if f.ExamType != "" {
			kind += "/" + f.ExamType
		}
		scope := f.Scope.Region
		if f.Scope.Year != 0 {
			scope += fmt.Sprintf(" %d", f.Scope.Year)
		}
		if f.Scope.Season != 0 {
			scope += fmt.Sprintf(" S%d", f.Scope.Season)
		}
		fmt.Fprintf(w, "%s: %s [%s]\n", name, kind, strings.TrimSpace(scope))
		var hs []string
		for _, h := range f.Headers {
			hs = append(hs, fmt.Sprintf("%s → %s (%s)", h.Header, h.Column, h.Rule))
		}
		fmt.Fprintf(w, "  headers: %s\n", strings.Join(hs, "; "))
		if len(f.Ignored) > 0 {
			fmt.Fprintf(w, "  ignored columns: %s\n", strings.Join(f.Ignored, ", "))
		}
		fmt.Fprintf(w, "  rows: %d read, %d would be accepted, %d rejected, %d flagged\n", f.Read, f.Accepted, f.Rejected, f.Flagged)
		reasons := make([]string, 0, len(f.Reasons))
		for reason := range f.Reasons {
			reasons = append(reasons, reason)
		}
		sort.Slice(reasons, func(i, j int) bool {
			a, b := f.Reasons[reasons[i]], f.Reasons[reasons[j]]
			return a > b || a == b && reasons[i] < reasons[j]
		})
		for i, reason := range reasons {
			if i == 5 {
				fmt.Fprintf(w, "  … %d more reasons\n", len(reasons)-5)
				break
			}
			fmt.Fprintf(w, "  rejected %s: %d\n", reason, f.Reasons[reason])
			for _, ex := range f.Examples[reason] {
				fmt.Fprintf(w, "    row %d, %s %q: %s\n", ex.Line, ex.Column, ex.Raw, ex.Detail)
			}
		}
		for _, rep := range f.Replaces {
			sheet := ""
			if rep.Sheet != "" {
				sheet = fmt.Sprintf(" (sheet %s)", rep.Sheet)
			}
			fmt.Fprintf(w, "  would replace load %d: %s%s\n", rep.LoadID, rep.File, sheet)
		}
		for _, rep := range f.PartlyReplaces {
			fmt.Fprintf(w, "  would replace load %d (%s) for %s only: %d rows\n", rep.LoadID, rep.File, rep.Region, rep.Rows)
		}
		if f.Restores != 0 {
			fmt.Fprintf(w, "  would make the file current again (it was load %d)\n", f.Restores)
		}
		for _, warn := range f.Warnings {
			fmt.Fprintf(w, "  warning: %s\n", warn)
		}
	}
}
