package metrics

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"enlist/internal/regions"
	"enlist/internal/secret"
	"enlist/internal/synth"
	"enlist/internal/warehouse"
	"enlist/pipelines/load"
)

// BenchmarkMetricsProvince reads every metric at every level (province to
// town) for one season and as-of date of a generated province of
// ENLIST_BENCH_ROWS registrations (default 1,000,000, SPEC §9's large
// province). Generating and loading it is set-up, not timed.
func BenchmarkMetricsProvince(b *testing.B) {
	n := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("ENLIST_BENCH_ROWS")); err == nil && v > 0 {
		n = v
	}
	ctx := context.Background()
	dir := b.TempDir()
	tab, err := regions.Builtin()
	if err != nil {
		b.Fatal(err)
	}
	out := filepath.Join(dir, "extracts")
	if _, err := synth.Generate(ctx, synth.Options{Province: "41", Year: 2025, Registrations: n, Seed: 1, Out: out}, tab, nil); err != nil {
		b.Fatal(err)
	}
	b.Setenv(secret.EnvVar, "bench-secret-0123456789abcdef")
	key, _ := secret.Load("")
	wh, err := warehouse.Open(ctx, filepath.Join(dir, "w.duckdb"), warehouse.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer wh.Close()
	l, err := load.NewLoader(wh, key, nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := l.LoadPaths(ctx, []string{out}, load.Options{}); err != nil {
		b.Fatal(err)
	}
	q := Query{Scope: "41", Year: 2025, Season: 2, AsOf: time.Date(2025, 8, 31, 0, 0, 0, 0, time.UTC), Depth: 3}
	b.ResetTimer()
	var rows int
	for i := 0; i < b.N; i++ {
		f, err := Read(ctx, wh, q)
		if err != nil {
			b.Fatal(err)
		}
		rows = len(f.Rows)
	}
	b.ReportMetric(float64(rows), "regions")
}
