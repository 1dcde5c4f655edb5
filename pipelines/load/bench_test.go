package load

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"enlist/internal/idnum"
	"enlist/internal/regions"
	"enlist/internal/secret"
	"enlist/internal/warehouse"
)

// benchRows is the size of the registration extract the ingest benchmark
// loads; ENLIST_BENCH_ROWS overrides it (SPEC §9: a large province sends
// about 1,000,000 registrations a year).
func benchRows() int {
	if v, err := strconv.Atoi(os.Getenv("ENLIST_BENCH_ROWS")); err == nil && v > 0 {
		return v
	}
	return 1_000_000
}

// writeBenchCSV writes a 13-column registration extract with Chinese
// headers and values, the shape FACTS.md's reference figures use.
func writeBenchCSV(tb testing.TB, path string, n int) {
	tb.Helper()
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprintln(w, "身份证号,姓名,性别,出生日期,区划代码,文化程度,学业状态,专业类别,毕业院校,民族,登记日期,是否应征报名,季度")
	tab, err := regions.Builtin()
	if err != nil {
		tb.Fatal(err)
	}
	// Numbers must be unique: birth date (420 distinct), sequence (1,000)
	// and county (Henan's ~160) together repeat only after 3 million rows.
	counties := tab.Descendants("41", regions.County)
	towns := map[string]string{}
	for _, t := range tab.Descendants("41", regions.Town) {
		if _, ok := towns[t[:6]]; !ok {
			towns[t[:6]] = t
		}
	}
	edu := []string{"高中", "大专", "本科", "中专", "本科", "硕士"}
	status := []string{"非学生", "在校生", "应届毕业生", "往届毕业生"}
	for i := 0; i < n; i++ {
		birth := time.Date(2003+i%5, time.Month(1+i%12), 1+i%28, 0, 0, 0, 0, time.UTC)
		county := counties[i/1000%len(counties)]
		town := towns[county]
		if town == "" {
			town = county
		}
		id := idnum.Make(county, birth, i%1000)
		fmt.Fprintf(w, "%s,张%d,男,%s,%s,%s,%s,理工,郑州大学,汉族,2025-0%d-%02d,是,上半年\n",
			id, i%97, birth.Format("2006-01-02"), town, edu[i%len(edu)], status[i%len(status)], 1+i%6, 1+i%28)
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkIngestRegistrationsCSV loads the extract through the whole
// pipeline (read, map, validate, pseudonymise, stage, commit).
func BenchmarkIngestRegistrationsCSV(b *testing.B) {
	n := benchRows()
	dir := b.TempDir()
	csvPath := filepath.Join(dir, "reg.csv")
	writeBenchCSV(b, csvPath, n)
	b.Setenv(secret.EnvVar, "bench-secret-0123456789abcdef")
	key, _ := secret.Load("")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		wh, err := warehouse.Open(context.Background(), filepath.Join(dir, fmt.Sprintf("w%d.duckdb", i)), warehouse.Options{})
		if err != nil {
			b.Fatal(err)
		}
		l, err := NewLoader(wh, key, nil, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		res, err := l.LoadFile(context.Background(), csvPath, Options{Year: 2025})
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if res.Accepted != n {
			b.Fatalf("accepted %d of %d (%v)", res.Accepted, n, res.Reasons)
		}
		wh.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkDuckDBReadCSV is the limit: DuckDB reading the same file into a
// table with no logic of ours.
func BenchmarkDuckDBReadCSV(b *testing.B) {
	n := benchRows()
	dir := b.TempDir()
	csvPath := filepath.Join(dir, "reg.csv")
	writeBenchCSV(b, csvPath, n)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		wh, err := warehouse.Open(context.Background(), filepath.Join(dir, fmt.Sprintf("l%d.duckdb", i)), warehouse.Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := wh.DB().Exec(`CREATE TABLE raw AS SELECT * FROM read_csv(?, all_varchar = true, header = true)`, csvPath); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		wh.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
