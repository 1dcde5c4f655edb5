package reports

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"enlist/reports/bulletin"
	"enlist/reports/internal/fixture"
)

// BenchmarkWeeklyProvince writes a province's weekly bulletin (XLSX and
// HTML, scope 41 and its cities) from a generated warehouse of
// ENLIST_BENCH_ROWS registrations (default 1,000,000, SPEC §9's large
// province). Generating and loading it is set-up, not timed. The target is
// under 2 s per bulletin. Skipped with -short.
//
//	go test -tags duckdb_arrow -run '^$' -bench WeeklyProvince -benchtime 3x ./reports/
func BenchmarkWeeklyProvince(b *testing.B) {
	if testing.Short() {
		b.Skip("loads a million registrations")
	}
	n := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("ENLIST_BENCH_ROWS")); err == nil && v > 0 {
		n = v
	}
	wh := fixture.Province(b, n)
	ctx := context.Background()
	opt := Options{Options: bulletin.Options{Scope: "41", Year: 2025, Season: 2,
		AsOf: time.Date(2025, 8, 31, 0, 0, 0, 0, time.UTC)}, Out: b.TempDir()}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Weekly(ctx, wh, opt); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWeeklyCounties is the same for every county of a city (郑州市),
// the bulletin a city office reads.
func BenchmarkWeeklyCounties(b *testing.B) {
	if testing.Short() {
		b.Skip("loads a million registrations")
	}
	n := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("ENLIST_BENCH_ROWS")); err == nil && v > 0 {
		n = v
	}
	wh := fixture.Province(b, n)
	ctx := context.Background()
	opt := Options{Options: bulletin.Options{Scope: "4101", Year: 2025, Season: 2,
		AsOf: time.Date(2025, 8, 31, 0, 0, 0, 0, time.UTC)}, Out: b.TempDir()}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Weekly(ctx, wh, opt); err != nil {
			b.Fatal(err)
		}
	}
}
