package reliability

import (
	"context"
	"database/sql"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"enlist/internal/idnum"
	"enlist/internal/reliability/testkit"
	"enlist/internal/warehouse"
	"enlist/pipelines/mapping"
	"enlist/pipelines/read"
)

// peopleOf reads every extract under dir with the pipeline's own reader and
// header detection, and collects the identity-number and name columns of
// every row, the rows the loader rejects included.
func peopleOf(t *testing.T, dir string) testkit.People {
	t.Helper()
	vocab, err := mapping.Load()
	if err != nil {
		t.Fatal(err)
	}
	p := testkit.People{IDs: map[string]bool{}, Names: map[string]bool{}}
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || (!strings.HasSuffix(path, ".csv") && !strings.HasSuffix(path, ".xlsx")) {
			return err
		}
		r, err := read.Open(context.Background(), path, read.Options{})
		if err != nil {
			return nil // a deliberately unreadable extract holds no one
		}
		defer r.Close()
		var rows [][]string
		for {
			row, err := r.Next()
			if err != nil {
				break
			}
			rows = append(rows, row.Cells)
		}
		h, err := vocab.DetectHeader(rows[:min(len(rows), 20)])
		if err != nil {
			return nil
		}
		for _, row := range rows[h.Row+1:] {
			if i, ok := h.Columns["id_number"]; ok && i < len(row) {
				if n := idnum.Normalise(row[i]); len(n) == 18 {
					p.IDs[strings.ToUpper(n)] = true
				}
			}
			if i, ok := h.Columns["name"]; ok && i < len(row) {
				if n := strings.TrimSpace(row[i]); utf8.RuneCountInString(n) >= 2 && utf8.RuneCountInString(n) <= 4 {
					p.Names[n] = true
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestNoIdentityNumberOrNameInAnyOutput runs the demo and the commands an
// office runs after it, then searches every file they wrote (warehouse,
// its write-ahead log, published copies, bulletin and quality workbooks
// part by part, the HTML page, the Parquet export row by row) and
// everything they printed, for the identity numbers and names of the
// generated people.
func TestNoIdentityNumberOrNameInAnyOutput(t *testing.T) {
	dir := t.TempDir()
	demo := filepath.Join(dir, "demo")
	logs := filepath.Join(dir, "logs")
	if err := os.MkdirAll(logs, 0o750); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(demo, "enlist.duckdb")
	// The demo makes its own secret file; ENLIST_SECRET must not stand in.
	run := func(name string, args ...string) {
		t.Helper()
		code, out, errs := testkit.RunCmd(t, testkit.OwnSecretCommand(t, dir, args...))
		// The logs are outputs too: keep them with the rest.
		os.WriteFile(filepath.Join(logs, name+".stdout"), []byte(out), 0o600)
		os.WriteFile(filepath.Join(logs, name+".stderr"), []byte(errs), 0o600)
		if code != 0 {
			t.Fatalf("enlist %v: exit %d\n%s\n%s", args, code, out, errs)
		}
	}
	run("demo", "demo", "--dir", demo, "--registrations", "3000")
	run("status", "--db", db, "status")
	run("quality", "--db", db, "report", "quality", "--scope", "41", "--as-of", "2025-08-31", "--out", filepath.Join(demo, "reports"))
	run("rejects", "--db", db, "sql", "--format", "csv", "SELECT * FROM rejects")
	run("flags", "--db", db, "sql", "--format", "json", "SELECT * FROM flags")
	run("metrics", "--db", db, "metrics", "--scope", "41", "--as-of", "2025-08-31", "--depth", "2", "--format", "csv")
	run("export", "--db", db, "export", "--out", filepath.Join(demo, "export"))

	// The secret the demo made is its owner's alone.
	st, err := os.Stat(filepath.Join(demo, "enlist.secret"))
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("secret file mode %v, want 0600", st.Mode().Perm())
	}

	ppl := peopleOf(t, filepath.Join(demo, "extracts"))
	if len(ppl.IDs) < 3000 || len(ppl.Names) < 1000 {
		t.Fatalf("found %d identity numbers and %d names in the extracts; the search would prove little", len(ppl.IDs), len(ppl.Names))
	}
	// A name the program itself carries (a place, a school, a label) is
	// not a leak when it shows up: leave those out of the search.
	bin, err := os.ReadFile(testkit.Binary(t))
	if err != nil {
		t.Fatal(err)
	}
	excluded := 0
	for _, h := range (testkit.Finder{People: testkit.People{IDs: map[string]bool{}, Names: ppl.Names}}).Find(bin) {
		if ppl.Names[h] {
			delete(ppl.Names, h)
			excluded++
		}
	}
	f := testkit.Finder{People: ppl}

	// Controls: the search finds a person planted in each kind of output.
	var someID, someName string
	for id := range ppl.IDs {
		someID = id
		break
	}
	for n := range ppl.Names {
		someName = n
		break
	}
	ctl := t.TempDir()
	controls := map[string]func(path string){
		"log.txt": func(p string) {
			os.WriteFile(p, []byte("time=… level=INFO msg=\"row\" id="+strings.ToLower(someID)+" name="+someName+"\n"), 0o600)
		},
		"book.xlsx": func(p string) {
			x := excelize.NewFile()
			x.SetCellValue("Sheet1", "B7", someName)
			x.SetCellValue("Sheet1", "C7", someID)
			if err := x.SaveAs(p); err != nil {
				t.Fatal(err)
			}
		},
		"copy.duckdb": func(p string) {
			testkit.CopyTree(t, filepath.Dir(db), filepath.Join(ctl, "wh"))
			src := filepath.Join(ctl, "wh", filepath.Base(db))
			wh, err := warehouse.Open(context.Background(), src, warehouse.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := wh.DB().Exec(`UPDATE rejects SET raw_value = ? WHERE rowid = (SELECT min(rowid) FROM rejects)`, someID+" "+someName); err != nil {
				t.Fatal(err)
			}
			if err := wh.Close(); err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(src, p); err != nil {
				t.Fatal(err)
			}
		},
		"rows.parquet": func(p string) {
			db, err := sql.Open("duckdb", "")
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := db.Exec(`COPY (SELECT ? AS person, ? AS who) TO '`+p+`' (FORMAT parquet)`, someID, someName); err != nil {
				t.Fatal(err)
			}
		},
	}
	for name, make := range controls {
		p := filepath.Join(ctl, name)
		make(p)
		hits := f.ScanFile(t, p)
		if !contains(hits, someID) || !contains(hits, someName) {
			t.Errorf("control %s: the search found %v, want %s and %s", name, hits, someID, someName)
		}
	}

	// The search itself.
	var files []string
	var total int64
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path == filepath.Join(demo, "extracts") {
				return filepath.SkipDir // the inputs, which hold the people by design
			}
			return nil
		}
		if d.Type()&fs.ModeSymlink != 0 || path == filepath.Join(demo, "enlist.secret") {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		files = append(files, path)
		total += info.Size()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]bool{}
	for _, p := range files {
		rel, _ := filepath.Rel(dir, p)
		kinds[outputKind(rel)] = true
		if hits := f.ScanFile(t, p); len(hits) > 0 {
			sort.Strings(hits)
			t.Errorf("%s holds %d identity numbers or names of generated people, e.g. %q", rel, len(hits), hits[0])
		}
	}
	wantKinds := []string{"warehouse", "published copy", "bulletin workbook", "quality workbook", "parquet", "log"}
	if testkit.HasPage(t) {
		wantKinds = append(wantKinds, "bulletin page")
	}
	for _, want := range wantKinds {
		if !kinds[want] {
			t.Errorf("no %s among the outputs searched: %v", want, files)
		}
	}
	t.Logf("figures: privacy: %d files (%d bytes) searched for %d identity numbers and %d names (%d names left out as text the program carries); controls found; hits 0",
		len(files), total, len(ppl.IDs), len(ppl.Names), excluded)
}

func contains(hits []string, s string) bool {
	for _, h := range hits {
		if h == s {
			return true
		}
	}
	return false
}

// outputKind names what a file under the test folder is, to check that
// every kind of output was searched.
func outputKind(rel string) string {
	switch {
	case strings.HasPrefix(rel, "logs"):
		return "log"
	case strings.Contains(rel, ".published"):
		return "published copy"
	case strings.HasSuffix(rel, ".parquet"):
		return "parquet"
	case strings.HasSuffix(rel, ".duckdb") || strings.HasSuffix(rel, ".wal"):
		return "warehouse"
	case strings.HasSuffix(rel, ".html"):
		return "bulletin page"
	case strings.HasSuffix(rel, ".xlsx") && strings.Contains(rel, "quality"):
		return "quality workbook"
	case strings.HasSuffix(rel, ".xlsx"):
		return "bulletin workbook"
	}
	return "other"
}

// TestSecretFileIsOwnersOnly checks the secret's life through the binary:
// enlist init creates it with mode 0600; once others can read it (group or
// world), ingest refuses to run, says why and how to fix it, and stores
// nothing; with the mode put back, the same ingest loads.
func TestSecretFileIsOwnersOnly(t *testing.T) {
	dir := t.TempDir()
	run := func(args ...string) (int, string, string) {
		t.Helper()
		return testkit.RunCmd(t, testkit.OwnSecretCommand(t, dir, append([]string{"--db", "w.duckdb"}, args...)...))
	}
	if code, out, errs := run("init"); code != 0 || !strings.Contains(out, "0600") {
		t.Fatalf("init: %d %s %s", code, out, errs)
	}
	secretPath := filepath.Join(dir, "w.secret")
	st, err := os.Stat(secretPath)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("secret %v %v; want mode 0600", st, err)
	}
	csv := filepath.Join(dir, "reg.csv")
	testkit.WriteBytes([]byte(testkit.RegCSV(5, 0, "410102001", "\n")))(t, csv)
	for _, mode := range []os.FileMode{0o640, 0o604, 0o644} {
		if err := os.Chmod(secretPath, mode); err != nil {
			t.Fatal(err)
		}
		code, _, errs := run("ingest", csv)
		if code != 1 || !strings.Contains(errs, "readable by other users") || !strings.Contains(errs, "chmod 600") {
			t.Errorf("mode %v: exit %d, stderr %q; want a refusal saying chmod 600", mode, code, errs)
		}
	}
	if code, out, _ := run("sql", "--format", "csv", "SELECT count(*) AS n FROM load_ledger"); code != 0 || !strings.Contains(out, "\n0") {
		t.Errorf("something was loaded with an exposed secret: %d %q", code, out)
	}
	if err := os.Chmod(secretPath, 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := run("ingest", csv); code != 0 || !strings.Contains(out, "5 accepted") {
		t.Errorf("ingest with the mode put back: %d %s %s", code, out, errs)
	}
}

// TestIdentityNumberInAnotherColumnIsMasked: a shifted or mistyped row can
// put a person's identity number in a column that is not the identity
// number's (a region code, an education, a school), where validation keeps
// the raw value of a rejected cell and quotes an unrecognised one in a
// flag. The number must still never be stored in the clear.
func TestIdentityNumberInAnotherColumnIsMasked(t *testing.T) {
	dir := t.TempDir()
	a, b, c := testkit.Person(1), testkit.Person(2), testkit.Person(3)
	csv := filepath.Join(dir, "shifted.csv")
	testkit.WriteBytes([]byte("身份证号,姓名,区划代码,登记日期,文化程度,年度,季度\n"+
		a+",张三,"+a+",2025-01-10,本科,2025,上半年\n"+ // the number again where the region goes: rejected
		b+",李四,410102001,2025-01-10,"+c+",2025,上半年\n"+ // a number as education: flagged
		c+",王五,410102001,"+strings.ToLower(b)+",本科,2025,上半年\n"))(t, csv) // a number as a date: rejected
	testkit.MustRun(t, dir, "--db", "w.duckdb", "init")
	out := testkit.MustRun(t, dir, "--db", "w.duckdb", "ingest", csv)
	if !strings.Contains(out, "1 accepted, 2 rejected, 1 flagged") {
		t.Fatalf("ingest: %s", out)
	}
	f := testkit.Finder{People: testkit.People{IDs: map[string]bool{a: true, b: true, c: true}, Names: map[string]bool{}}}
	for _, p := range []string{filepath.Join(dir, "w.duckdb"), filepath.Join(dir, "w.duckdb.published", "current")} {
		if hits := f.ScanFile(t, p); len(hits) > 0 {
			t.Errorf("%s holds identity numbers in the clear: %v", filepath.Base(p), hits)
		}
	}
	code, rejects, _ := testkit.Run(t, dir, "--db", "w.duckdb", "sql", "--format", "csv", "SELECT raw_value FROM rejects ORDER BY source_row")
	if code != 0 || !strings.Contains(rejects, a[:6]+"********"+a[14:]) {
		t.Errorf("the rejected region keeps no masked value to find the row by: %q", rejects)
	}
}
