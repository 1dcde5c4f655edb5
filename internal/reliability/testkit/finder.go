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

func (f Finder) Find(b []byte) []string {
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
		case r == 'x' || r == 'X':
			run = append(run, 'X')
		default:
			flush()
		}
		i += size
	}
	flush()
	// Names: windows of 2–4 runes over the valid UTF-8 stretches.
	var window []int // byte offsets of the last 4 rune starts
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 || r < 0x2E80 {
			window = window[:0]
			i += max(size, 1)
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
	hits := f.Find(b)
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
		hits = append(hits, f.Find([]byte(s.String))...)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return hits
}
