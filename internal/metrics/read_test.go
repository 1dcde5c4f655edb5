package metrics

import (
	"context"
	"database/sql"
	"fmt"
	"reflect"
	"testing"
	"time"

	"enlist/internal/tabular"
)

// TestReadIsTheMetricsView: Read counts the people in a statement of its
// own and the figures from that count (readView), and gives the metrics
// view's rows to the digit — every column, for the province, a city and a
// county with the levels below them, in both seasons, as of dates before,
// during and after the season's work — on a generated province with
// refused and flagged rows.
func TestReadIsTheMetricsView(t *testing.T) {
	ctx := context.Background()
	wh := generatedProvince(t, 11)
	compared := 0
	for _, season := range []int{1, 2} {
		for _, asOf := range []string{"2025-01-15", "2025-03-05", "2025-08-31", "2025-12-31"} {
			for _, scope := range []struct {
				code  string
				depth int
			}{{"41", 2}, {"4101", 3}, {"410102", 2}} {
				t.Run(fmt.Sprintf("%s season %d as of %s", scope.code, season, asOf), func(t *testing.T) {
					d, err := time.Parse(time.DateOnly, asOf)
					if err != nil {
						t.Fatal(err)
					}
					got, err := Read(ctx, wh, Query{Scope: scope.code, Year: 2025, Season: season, AsOf: d, Depth: scope.depth})
					if err != nil {
						t.Fatal(err)
					}
					conn, err := wh.DB().Conn(ctx)
					if err != nil {
						t.Fatal(err)
					}
					defer conn.Close()
					for _, set := range []string{
						`SET VARIABLE as_of = DATE '` + asOf + `'`,
						fmt.Sprintf(`SET VARIABLE year = %d`, 2025),
						fmt.Sprintf(`SET VARIABLE season = %d`, season),
					} {
						if _, err := conn.ExecContext(ctx, set); err != nil {
							t.Fatal(err)
						}
					}
					want := queryFrame(t, conn, `SELECT * FROM metrics
						WHERE starts_with(region_code, ?) AND list_contains(?::INTEGER[], length(region_code))
						ORDER BY region_code`, scope.code, allowedLengths(scope.code, scope.depth))
					if len(want.Rows) == 0 {
						t.Fatal("the view has no rows")
					}
					if !reflect.DeepEqual(got.Columns, want.Columns) {
						t.Fatalf("columns\n%v\nwant the view's\n%v", got.Columns, want.Columns)
					}
					if len(got.Rows) != len(want.Rows) {
						t.Fatalf("%d rows, the view has %d", len(got.Rows), len(want.Rows))
					}
					for i := range want.Rows {
						if !reflect.DeepEqual(got.Rows[i], want.Rows[i]) {
							t.Errorf("row %d\n%v\nwant the view's\n%v", i, got.Rows[i], want.Rows[i])
						}
					}
					compared += len(want.Rows)
				})
			}
		}
	}
	if compared < 500 {
		t.Errorf("compared %d rows in all", compared)
	}
}

// TestReadSchoolsIsTheRanking: ReadSchools, reading in two statements,
// gives school_ranking_at's rows to the digit, for the province and a city
// in both seasons and on dates before, during and after the season.
func TestReadSchoolsIsTheRanking(t *testing.T) {
	ctx := context.Background()
	wh := generatedProvince(t, 11)
	compared := 0
	for _, season := range []int{1, 2} {
		for _, asOf := range []string{"2025-03-05", "2025-08-31", "2025-12-31"} {
			for _, scope := range []string{"41", "4101"} {
				t.Run(fmt.Sprintf("%s season %d as of %s", scope, season, asOf), func(t *testing.T) {
					d, err := time.Parse(time.DateOnly, asOf)
					if err != nil {
						t.Fatal(err)
					}
					got, err := ReadSchools(ctx, wh, Query{Scope: scope, Year: 2025, Season: season, AsOf: d})
					if err != nil {
						t.Fatal(err)
					}
					want := queryFrame(t, wh.DB(), `
						SELECT * FROM school_ranking_at(?, CAST(? AS DATE), 2025, ?)
						WHERE year = 2025 AND season = ?
						ORDER BY approved_rank, school_code`, scope, asOf, season, season)
					if !reflect.DeepEqual(got, want) {
						t.Errorf("ReadSchools\n%v\nwant school_ranking_at's\n%v", got, want)
					}
					for _, r := range want.Rows {
						if n, ok := r[want.Index("registered")].(int64); ok && n > 0 {
							compared++
						}
					}
				})
			}
		}
	}
	if compared < 10 {
		t.Errorf("%d universities with registrations compared in all", compared)
	}
}

// queryFrame reads every row of a query, failing the test on an error.
func queryFrame(t *testing.T, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, query string, args ...any) *tabular.Frame {
	t.Helper()
	rows, err := q.QueryContext(context.Background(), query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	f, err := tabular.FromRows(rows)
	if err != nil {
		t.Fatal(err)
	}
	return f
}
