// Package export writes the curated warehouse tables as Hive-partitioned
// Parquet (kind=K/year=Y/province=PP/*.parquet), the hand-off to a
// distributed engine (Spark, Trino) once a national warehouse outgrows one
// machine (SPEC §8).
//
// Only what the warehouse holds leaves it: people are keyed pseudonyms,
// never identity numbers or names. The warehouse's own bookkeeping (load
// ids, row numbers, rejects with their masked raw values) stays behind; it
// means nothing outside the file it came from.
package export

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"enlist/internal/files"
	"enlist/pipelines/mapping"
)

// kindQueries select each kind's curated rows with the partition columns
// year and province. Exams and approvals carry no region of their own: it
// is that of the person's registration for the year and season (SPEC §4),
// the latest one as the models choose it; orphans go to province=unknown.
var kindQueries = map[string]string{
	"quotas": `SELECT year, left(region_code, 2) AS province, season, region_code, quota, college_target, graduate_target,
		school_code, track
		FROM quotas`,
	"registrations": `SELECT year, left(region_code, 2) AS province, season, person, gender, birth_year, id_county,
		region_code, education, student_status, major_category, school, ethnicity, registered_on, applied
		FROM registrations`,
	"exams": `WITH reg AS (` + latestRegion + `)
		SELECT e.year, coalesce(left(r.region_code, 2), 'unknown') AS province, e.season, e.person, r.region_code,
		       e.exam_type, e.exam_date, e.passed, e.reason, e.station
		FROM exams e LEFT JOIN reg r USING (person, year, season)`,
	"approvals": `WITH reg AS (` + latestRegion + `)
		SELECT a.year, coalesce(left(r.region_code, 2), 'unknown') AS province, a.season, a.person, r.region_code,
		       a.approved_on, a.branch, a.handover_on, a.returned_on, a.return_reason, a.return_responsible
		FROM approvals a LEFT JOIN reg r USING (person, year, season)`,
	"resettlement": `SELECT year(discharged_on) AS year, left(region_code, 2) AS province, person, region_code,
		discharged_on, service_type, plan, placed_on, employer, contract_years, subsidy_amount, subsidy_paid_on
		FROM resettlement`,
	// A university list has no season: it is filed under the year it was delivered.
	"schools": `SELECT year(l.finished_at) AS year, left(s.region_code, 2) AS province, s.school_code, s.name,
		s.region_code, s.students, s.aliases
		FROM schools s JOIN load_ledger l USING (load_id)`,
}

const latestRegion = `SELECT person, year, season, arg_max(region_code, (registered_on, load_id, source_row)) AS region_code
	FROM registrations GROUP BY person, year, season`

// Kinds lists what can be exported, in order: the data kinds of
// pipelines/mapping, each of which has its query above (a test checks).
func Kinds() []string {
	var out []string
	for _, k := range mapping.DataKinds() {
		out = append(out, string(k))
	}
	return out
}

// Options choose what to write.
type Options struct {
	Kinds     []string // nil = every kind
	Warehouse string   // recorded in the note: the live warehouse's path
	ReadFrom  string   // recorded in the note: the copy actually read
	Progress  func(kind string)
}

// Written is one kind's share of an export.
type Written struct {
	Kind       string   `json:"kind"`
	Rows       int64    `json:"rows"`
	Files      int      `json:"files"`
	Partitions []string `json:"partitions"`
	Columns    []string `json:"columns"`
}

// Note says what an export wrote; it lies beside the data as _export.json
// (a leading underscore, so Spark, Trino and DuckDB's globs skip it).
type Note struct {
	Warehouse string    `json:"warehouse"`
	ReadFrom  string    `json:"read_from"`
	WrittenAt time.Time `json:"written_at"`
	Layout    string    `json:"layout"`
	Privacy   string    `json:"privacy"`
	Kinds     []Written `json:"kinds"`
}

// NoteFile is the note's name inside the export folder.
const NoteFile = "_export.json"

// Write exports the chosen kinds from db into out. Each kind's folder is
// written aside and swapped in whole, so a reader of out sees one export or
// the next, never a mix within a kind.
func Write(ctx context.Context, db *sql.DB, out string, opt Options) (Note, error) {
	kinds := opt.Kinds
	if len(kinds) == 0 {
		kinds = Kinds()
	}
	for _, k := range kinds {
		if _, ok := kindQueries[k]; !ok {
			return Note{}, fmt.Errorf("kind %q: use one of %s", k, strings.Join(Kinds(), ", "))
		}
	}
	if err := os.MkdirAll(out, 0o750); err != nil {
		return Note{}, fmt.Errorf("export to %s: %w", out, err)
	}
	tmp, err := os.MkdirTemp(out, ".export-")
	if err != nil {
		return Note{}, fmt.Errorf("export to %s: %w", out, err)
	}
	defer os.RemoveAll(tmp)
	note := Note{Warehouse: opt.Warehouse, ReadFrom: opt.ReadFrom, WrittenAt: time.Now().UTC(),
		Layout:  "kind=KIND/year=YEAR/province=PP/data_N.parquet (Hive partitions; province=unknown holds exams and approvals of people with no registration that season)",
		Privacy: "person is the warehouse's keyed pseudonym (HMAC-SHA256 under the provincial secret); no identity numbers or names"}
	conn, err := db.Conn(ctx)
	if err != nil {
		return Note{}, err
	}
	defer conn.Close()
	for _, k := range kinds {
		if opt.Progress != nil {
			opt.Progress(k)
		}
		dir := filepath.Join(tmp, "kind="+k)
		res, err := conn.ExecContext(ctx, `COPY (`+kindQueries[k]+`) TO `+quote(dir)+
			` (FORMAT parquet, PARTITION_BY (year, province), COMPRESSION zstd)`)
		if err != nil {
			return Note{}, fmt.Errorf("export %s: %w", k, err)
		}
		w := Written{Kind: k}
		if w.Rows, err = res.RowsAffected(); err != nil {
			return Note{}, fmt.Errorf("export %s: %w", k, err)
		}
		if w.Columns, err = queryColumns(ctx, conn, kindQueries[k]); err != nil {
			return Note{}, fmt.Errorf("export %s: %w", k, err)
		}
		if err := os.MkdirAll(dir, 0o750); err != nil { // an empty kind still gets its folder
			return Note{}, err
		}
		if w.Files, w.Partitions, err = listParts(dir); err != nil {
			return Note{}, fmt.Errorf("export %s: %w", k, err)
		}
		// On disk before the swap below makes it the export.
		if err := files.SyncTree(dir); err != nil {
			return Note{}, fmt.Errorf("export %s: %w", k, err)
		}
		note.Kinds = append(note.Kinds, w)
	}
	for _, k := range kinds {
		if err := swap(filepath.Join(tmp, "kind="+k), filepath.Join(out, "kind="+k)); err != nil {
			return note, fmt.Errorf("export %s: %w", k, err)
		}
	}
	b, err := json.MarshalIndent(note, "", "  ")
	if err != nil {
		return note, err
	}
	// Written last, and synced with the folder: the swaps above reach the
	// disk with it.
	if err := files.WriteFile(filepath.Join(out, NoteFile), append(b, '\n'), 0o640); err != nil {
		return note, err
	}
	return note, nil
}

// swap puts the new folder in the old one's place.
func swap(src, dst string) error {
	var old string
	if _, err := os.Stat(dst); err == nil {
		b := make([]byte, 6)
		if _, err := rand.Read(b); err != nil {
			return err
		}
		old = filepath.Join(filepath.Dir(dst), ".old-"+hex.EncodeToString(b))
		if err := os.Rename(dst, old); err != nil {
			return err
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err := os.Rename(src, dst); err != nil {
		if old != "" {
			os.Rename(old, dst) //nolint:errcheck // best effort to leave the earlier export
		}
		return err
	}
	if old != "" {
		return os.RemoveAll(old)
	}
	return nil
}

// queryColumns names the columns a kind's files hold (the partition
// columns live in the folder names).
func queryColumns(ctx context.Context, conn *sql.Conn, q string) ([]string, error) {
	rows, err := conn.QueryContext(ctx, `SELECT * FROM (`+q+`) LIMIT 0`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var out []string
	for _, c := range cols {
		if c != "year" && c != "province" {
			out = append(out, c)
		}
	}
	return out, nil
}

// listParts counts the Parquet files and names the partitions under dir.
func listParts(dir string) (int, []string, error) {
	n := 0
	parts := map[string]bool{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.HasSuffix(p, ".parquet") {
			return nil
		}
		n++
		rel, err := filepath.Rel(dir, filepath.Dir(p))
		if err != nil {
			return err
		}
		parts[filepath.ToSlash(rel)] = true
		return nil
	})
	out := []string{}
	for p := range parts {
		out = append(out, p)
	}
	sort.Strings(out)
	return n, out, err
}

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
