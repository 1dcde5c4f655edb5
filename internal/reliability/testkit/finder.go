package testkit

import (
	"archive/zip"
	"bytes"
	"context"
	"database/sql"
	"io"
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"enlist/internal/warehouse"
)

// People are the identity numbers and names an extract folder holds.
type People struct {
	IDs   map[string]bool // normalised, 18 characters
	Names map[string]bool // 2 to 4 characters
}

// Finder looks for any of the people in text, in one pass: every run of
// 17 digits and a check character (ASCII or full-width digits, x or X),
// and every window of 2 to 4 characters.
type Finder struct {
	People
}

func (f Finder) Find(b []byte) []string { return f.find(b, false) }

// FindWhole is Find for the raw bytes of compressed containers (DuckDB
// files, Parquet, zip): a name counts only as a whole run of CJK
// characters, not as a window inside a longer run. Compression keeps the
// text it stores as literals between back-references, so stored words
// come out spliced: the branches 陆军, 海军, 空军 zstd-compressed in a
// Parquet file read "陆海空军", which holds the generated name 陆海. Which
// splices appear depends on the order rows were stored in, so a window
// search over compressed bytes reports a different false name in some
// runs and none in others. A name stored plainly (the WAL, an
// uncompressed segment, a freed block) sits between length bytes and is
// still a whole run; every value of every table is also read back
// decompressed and searched window by window (scanDuckDB, Parquet rows).
func (f Finder) FindWhole(b []byte) []string { return f.find(b, true) }

func (f Finder) find(b []byte, whole bool) []string {
	var hits []string
	// Identity numbers.
	var run []byte
	flush := func() {
		for i := 0; i+18 <= len(run); i++ {
			if f.IDs[string(run[i:i+18])] {
				hits = append(hits, string(run[i:i+18]))
			}
		}
		run = run[:0]
	}
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		switch {
		case r >= '0' && r <= '9':
			run = append(run, byte(r))
		case r >= '０' && r <= '９':
			run = append(run, byte('0'+r-'０'))
		case r == 'x' || r == 'X' || r == 'ｘ' || r == 'Ｘ':
			run = append(run, 'X')
		default:
			flush()
		}
		i += size
	}
	flush()
	// Names: windows of 2–4 runes over the valid UTF-8 stretches.
	var window []int      // byte offsets of the last 4 rune starts
	start, runes := -1, 0 // the current run of CJK runes, for whole-run matching
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 || r < 0x2E80 {
			if whole && runes >= 2 && runes <= 4 && f.Names[string(b[start:i])] {
				hits = append(hits, string(b[start:i]))
			}
			start, runes = -1, 0
			window = window[:0]
			i += max(size, 1)
			continue
		}
		if start < 0 {
			start = i
		}
		runes++
		if whole {
			i += size
			continue
		}
		window = append(window, i)
		if len(window) > 4 {
			window = window[1:]
		}
		end := i + size
		for k := 0; k < len(window)-1; k++ {
			if s := string(b[window[k]:end]); f.Names[s] {
				hits = append(hits, s)
			}
		}
		i = end
	}
	if whole && runes >= 2 && runes <= 4 && f.Names[string(b[start:])] {
		hits = append(hits, string(b[start:]))
	}
	return hits
}

// ScanFile searches one output: raw bytes, every part of a zip (XLSX),
// and every row of a DuckDB or Parquet file read through DuckDB.
func (f Finder) ScanFile(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	compressed := bytes.HasPrefix(b, []byte("PK\x03\x04")) || strings.HasSuffix(path, ".parquet") ||
		len(b) > 16 && bytes.Equal(b[8:12], []byte("DUCK"))
	hits := f.Find(b)
	if compressed {
		hits = f.FindWhole(b)
	}
	for i, h := range hits {
		if i == 3 {
			break
		}
		// Say where in the bytes, with what surrounds it, so a finding can
		// be traced without a rerun.
		at := bytes.Index(b, []byte(h))
		if at < 0 {
			continue
		}
		lo, hi := max(at-96, 0), min(at+len(h)+96, len(b))
		t.Logf("%s: %q at byte %d of %d: %q", path, h, at, len(b), b[lo:hi])
	}
	switch {
	case bytes.HasPrefix(b, []byte("PK\x03\x04")):
		zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		for _, zf := range zr.File {
			rc, err := zf.Open()
			if err != nil {
				t.Fatal(err)
			}
			part, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				t.Fatal(err)
			}
			hits = append(hits, f.Find(part)...)
		}
	case strings.HasSuffix(path, ".parquet"):
		hits = append(hits, f.scanRows(t, "", `SELECT t::VARCHAR FROM read_parquet('`+path+`') t`)...)
	case len(b) > 16 && bytes.Equal(b[8:12], []byte("DUCK")):
		hits = append(hits, f.scanDuckDB(t, path)...)
	}
	return hits
}

// scanDuckDB reads every row of every table of a warehouse file, so that
// compressed storage cannot hide a value from the byte scan's eyes.
func (f Finder) scanDuckDB(t *testing.T, path string) []string {
	t.Helper()
	wh, err := warehouse.Open(context.Background(), path, warehouse.Options{ReadOnly: true, LockWait: -1})
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer wh.Close()
	tables, err := wh.DB().Query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' AND table_type = 'BASE TABLE'`)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for tables.Next() {
		var n string
		if err := tables.Scan(&n); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	tables.Close()
	var hits []string
	for _, n := range names {
		hits = append(hits, f.scanQuery(t, wh.DB(), `SELECT t::VARCHAR FROM main."`+n+`" t`)...)
	}
	return hits
}

func (f Finder) scanRows(t *testing.T, dsn, q string) []string {
	t.Helper()
	db, err := sql.Open("duckdb", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	return f.scanQuery(t, db, q)
}

func (f Finder) scanQuery(t *testing.T, db *sql.DB, q string) []string {
	t.Helper()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var hits []string
	for rows.Next() {
		var s sql.NullString
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		found := f.Find([]byte(s.String))
		if len(found) > 0 {
			// Say where: which query and which row, so a finding can be
			// traced to a table and column without a rerun.
			t.Logf("%s: %q in row %s", q, found, s.String)
		}
		hits = append(hits, found...)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return hits
}
