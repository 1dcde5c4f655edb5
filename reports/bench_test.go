package reports

import (
	"context"
	"io"
	"os"
	"strconv"
	"testing"
	"time"

	"enlist/reports/bulletin"
	"enlist/reports/internal/fixture"
	"enlist/reports/page"
	"enlist/reports/workbook"
)

// BenchmarkWeekly writes weekly bulletins (XLSX and HTML) from a generated
// warehouse of ENLIST_BENCH_ROWS registrations (default 1,000,000, SPEC §9's
// large province): the province (scope 41 and its cities) and a city (4101
// and its counties), and the province's parts on their own — gathering the
// figures, the workbook, the page. Generating and loading the province is
// set-up, not timed. The target is under 2 s a bulletin. Skipped with -short.
//
//	go test -tags duckdb_arrow -run '^$' -bench Weekly -benchtime 5x ./reports/
func BenchmarkWeekly(b *testing.B) {
	if testing.Short() {
		b.Skip("loads a million registrations")
	}
	n := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("ENLIST_BENCH_ROWS")); err == nil && v > 0 {
		n = v
	}
	wh := fixture.Province(b, n)
	ctx := context.Background()
	asOf := time.Date(2025, 8, 31, 0, 0, 0, 0, time.UTC)
	opt := func(scope string) Options {
		return Options{Options: bulletin.Options{Scope: scope, Year: 2025, Season: 2, AsOf: asOf}, Out: b.TempDir()}
	}
	for _, scope := range []string{"41", "4101"} {
		b.Run("bulletin/"+scope, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := Weekly(ctx, wh, opt(scope)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	gathered, err := bulletin.Gather(ctx, wh, opt("41").Options)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("gather/41", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := bulletin.Gather(ctx, wh, opt("41").Options); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("xlsx/41", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			f, err := workbook.Weekly(gathered)
			if err != nil {
				b.Fatal(err)
			}
			if err := f.Write(io.Discard); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("html/41", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if err := page.Write(io.Discard, gathered, asOf); err != nil {
				b.Fatal(err)
			}
		}
	})
}
