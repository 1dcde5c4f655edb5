package rollup

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"enlist/internal/regions"
	"enlist/internal/warehouse"
	loadpkg "enlist/pipelines/load"
)

// Source types.
const (
	TypeWarehouse = "warehouse"
	TypeExtracts  = "extracts"
)

// load is one current load of a source (or of an earlier delivery), with
// the scope it claims.
type load struct {
	id       int64 // in the source (or, for a delivery, in the province)
	file     string
	sha      string
	kind     string
	examType sql.NullString
	mode     string
	region   sql.NullString
	year     sql.NullInt64
	season   sql.NullInt64
	rows     int64
}

// describe names a load's scope the way an operator reads it.
func (l load) describe() string {
	parts := []string{l.kind}
	if l.examType.Valid {
		parts[0] += "/" + l.examType.String
	}
	if l.region.Valid {
		parts = append(parts, l.region.String)
	}
	if l.year.Valid {
		parts = append(parts, fmt.Sprint(l.year.Int64))
	} else {
		parts = append(parts, "all years")
	}
	if l.season.Valid {
		parts = append(parts, fmt.Sprintf("S%d", l.season.Int64))
	}
	return strings.Join(parts, " ")
}

// overlaps tells whether two loads claim some of the same rows: same kind,
// exam types, years and seasons that meet (a missing one spans them all),
// and regions one inside the other.
func overlaps(a, b load) bool {
	if a.kind != b.kind {
		return false
	}
	if a.examType.Valid && b.examType.Valid && a.examType.String != b.examType.String {
		return false
	}
	if a.year.Valid && b.year.Valid && a.year.Int64 != b.year.Int64 {
		return false
	}
	if a.season.Valid && b.season.Valid && a.season.Int64 != b.season.Int64 {
		return false
	}
	if !a.region.Valid || !b.region.Valid {
		return false // a load without a region brought no rows
	}
	return strings.HasPrefix(a.region.String, b.region.String) || strings.HasPrefix(b.region.String, a.region.String)
}

// firstOverlap finds a pair of loads of a and b that claim the same scope.
func firstOverlap(a, b []load) (load, load, bool) {
	for _, x := range a {
		for _, y := range b {
			if overlaps(x, y) {
				return x, y, true
			}
		}
	}
	return load{}, load{}, false
}

// regionOf is the smallest region holding every load's scope, at least a
// county: the smallest office that delivers is a county's, and a county
// whose files so far cover one town must keep its identity next week.
func regionOf(loads []load) string {
	r := commonRegion(loads)
	if len(r) > 6 {
		r = r[:6]
	}
	return r
}

func commonRegion(loads []load) string {
	region, any := "", false
	for _, l := range loads {
		if !l.region.Valid {
			continue
		}
		if !any {
			region, any = l.region.String, true
			continue
		}
		region = regions.CommonAncestor(region, l.region.String)
	}
	return region
}

// ledgerFingerprint identifies a source's content by its current loads: each
// load is a file named by its own SHA-256, so the same loads mean the same
// rows, however the DuckDB file's bytes were laid out when it was copied.
func ledgerFingerprint(loads []load) string {
	h := sha256.New()
	for _, l := range loads {
		fmt.Fprintf(h, "%d|%s|%s|%s|%s|%s|%d|%d|%d\n", l.id, l.sha, l.kind, l.examType.String, l.mode,
			l.region.String, l.year.Int64, l.season.Int64, l.rows)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// folderFingerprint identifies an extract folder by its files' names and
// contents, so an unchanged folder is recognised without loading it. It
// covers exactly the files the loader takes from a folder (load.IsExtract,
// hidden ones skipped): a note beside the extracts changes nothing, and an
// extract the loader would read (a symlinked one too) is never missed.
func folderFingerprint(dir string) (string, error) {
	var lines []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if path != dir && strings.HasPrefix(name, ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() || !loadpkg.IsExtract(name) {
			return nil
		}
		sum, err := loadpkg.FileSHA256(path)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		lines = append(lines, filepath.ToSlash(rel)+"|"+sum)
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("fingerprint %s: %w", dir, err)
	}
	if len(lines) == 0 {
		return "", fmt.Errorf("extract folder %s holds no extract files (.csv, .tsv, .txt, .xlsx)", dir)
	}
	sort.Strings(lines)
	h := sha256.Sum256([]byte(strings.Join(lines, "\n")))
	return hex.EncodeToString(h[:]), nil
}

// resolve tells what a source argument is and which file to read: a
// warehouse's published copy when it has one, so a county's running ingest
// (which holds its live file) does not stop the province's rollup.
func resolve(arg, into string) (abs, typ, readPath string, err error) {
	abs, err = filepath.Abs(arg)
	if err != nil {
		return "", "", "", fmt.Errorf("source %s: %w", arg, err)
	}
	st, err := os.Stat(abs)
	if err != nil {
		return abs, "", "", fmt.Errorf("source %s: %w", arg, err)
	}
	if st.IsDir() {
		return abs, TypeExtracts, abs, nil
	}
	if same, _ := samePath(abs, into); same || strings.HasPrefix(abs, warehouse.PublishedDir(into)+string(filepath.Separator)) {
		return abs, "", "", fmt.Errorf("source %s is the province warehouse itself", arg)
	}
	if ok, err := isDuckDB(abs); err != nil {
		return abs, "", "", fmt.Errorf("source %s: %w", arg, err)
	} else if !ok {
		return abs, "", "", fmt.Errorf("source %s is neither a warehouse file (.duckdb) nor an extract folder; put extract files in a folder and give the folder", arg)
	}
	pub, err := warehouse.PublishedPath(abs)
	if err != nil {
		return abs, "", "", err
	}
	if pub != "" {
		if _, err := os.Stat(pub); err == nil {
			return abs, TypeWarehouse, pub, nil
		}
	}
	return abs, TypeWarehouse, abs, nil
}

// isDuckDB checks the file's header for DuckDB's magic bytes.
func isDuckDB(path string) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	buf := make([]byte, 12)
	if _, err := io.ReadFull(f, buf); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return false, nil
		}
		return false, err
	}
	return bytes.Equal(buf[8:12], []byte("DUCK")), nil
}

func samePath(a, b string) (bool, error) {
	sa, err := os.Stat(a)
	if err != nil {
		return false, err
	}
	sb, err := os.Stat(b)
	if err != nil {
		return false, err
	}
	return os.SameFile(sa, sb), nil
}

// readLoads lists a source's current loads: those its own snapshots have
// not replaced. Regions extracts are left out: the province keeps its own
// division table.
func readLoads(ctx context.Context, q querier, catalog string) (carried []load, skipped int, err error) {
	rows, err := q.QueryContext(ctx, `
		SELECT load_id, file, sha256, kind, exam_type, mode, scope_region, scope_year, scope_season, rows_accepted
		FROM `+catalog+`.main.load_ledger WHERE status = 'loaded' ORDER BY load_id`)
	if err != nil {
		return nil, 0, fmt.Errorf("read load ledger: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var l load
		if err := rows.Scan(&l.id, &l.file, &l.sha, &l.kind, &l.examType, &l.mode, &l.region, &l.year, &l.season, &l.rows); err != nil {
			return nil, 0, err
		}
		if _, ok := dataTables[l.kind]; !ok {
			skipped++
			continue
		}
		carried = append(carried, l)
	}
	return carried, skipped, rows.Err()
}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}
