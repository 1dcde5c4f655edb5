package bulletin

import (
	"context"
	"reflect"
	"testing"
	"time"

	"enlist/internal/warehouse"
	"enlist/reports/internal/fixture"
)

// TestDayGivesTheSameBulletins: a bulletin read with a Day is the bulletin
// read alone, field for field, for the province and some cities, counties
// and towns — on the hand-computed fixture and on a generated province
// (with refused and flagged rows) — and a Day of another date is not used.
func TestDayGivesTheSameBulletins(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		name string
		wh   *warehouse.Warehouse
		asOf time.Time
	}{
		{"fixture", fixture.Small(t), fixture.AsOf},
		{"generated", fixture.Province(t, 3000), time.Date(2025, 8, 31, 0, 0, 0, 0, time.UTC)},
	} {
		t.Run(c.name, func(t *testing.T) {
			var codes []string
			// The province, and the first three cities, counties and towns
			// with registrations (each read twice: a few seconds each).
			rows, err := c.wh.DB().QueryContext(ctx, `SELECT region_code FROM (
				SELECT region_code, row_number() OVER (PARTITION BY length(region_code) ORDER BY region_code) AS i
				FROM (SELECT DISTINCT left(region_code, n) AS region_code FROM registrations, (VALUES (2), (4), (6), (9)) l(n)))
				WHERE i <= 3 ORDER BY region_code`)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var code string
				if err := rows.Scan(&code); err != nil {
					t.Fatal(err)
				}
				codes = append(codes, code)
			}
			rows.Close()
			days := 0
			share := func(ctx context.Context, asOf time.Time, year, season int) (*Day, error) {
				days++
				return ReadDay(ctx, c.wh, asOf, year, season)
			}
			var day *Day
			once := func(ctx context.Context, asOf time.Time, year, season int) (*Day, error) {
				if day == nil {
					var err error
					day, err = share(ctx, asOf, year, season)
					return day, err
				}
				return day, nil
			}
			for _, code := range codes {
				alone, err := Gather(ctx, c.wh, Options{Scope: code, AsOf: c.asOf, Fallback: true})
				if err != nil {
					t.Fatalf("%s: %v", code, err)
				}
				shared, err := Gather(ctx, c.wh, Options{Scope: code, AsOf: c.asOf, Fallback: true, Day: once})
				if err != nil {
					t.Fatalf("%s with a day: %v", code, err)
				}
				if shared.day == nil {
					t.Fatalf("%s: the day was not used", code)
				}
				// Each read the copy's files once; what they kept of them
				// (Files, Issues) is compared below.
				shared.day, shared.files, alone.files = nil, nil, nil
				if !reflect.DeepEqual(alone, shared) {
					t.Errorf("%s: the bulletin read with the day differs:\nalone  %+v\nshared %+v", code, alone, shared)
				}
			}
			if days != 1 || len(codes) < 4 {
				t.Errorf("%d regions read %d days, want one", len(codes), days)
			}
			// A day of another date is not used.
			other, err := ReadDay(ctx, c.wh, c.asOf.AddDate(0, 0, -7), day.Year, day.Season)
			if err != nil {
				t.Fatal(err)
			}
			b, err := Gather(ctx, c.wh, Options{Scope: codes[0], AsOf: c.asOf, Fallback: true,
				Day: func(context.Context, time.Time, int, int) (*Day, error) { return other, nil }})
			if err != nil || b.day != nil {
				t.Errorf("a day of another date: %v, used %v", err, b.day != nil)
			}
		})
	}
}
