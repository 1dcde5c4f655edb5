package bulletin

import (
	"context"
	"database/sql"
	"fmt"
	"reflect"
	"sort"
	"time"

	"enlist/internal/regions"
	"enlist/internal/warehouse"
)

// SchoolRow is one university's row of school_ranking_at
// (sql/models/561_school_ranking_at.sql, over school_metrics_at, 560): its
// figures as a recruiting unit (高校征兵工作站) and its ranks among the
// universities of the bulletin's region, one field per column, scanned by
// column name as Row is.
type SchoolRow struct {
	Year         int64          `db:"year"`
	Season       int64          `db:"season"`
	AsOfDate     Date           `db:"as_of_date"`
	SchoolCode   string         `db:"school_code"`
	SchoolName   string         `db:"school_name"`
	Level        sql.NullString `db:"level"`
	Students     Count          `db:"students"`
	LocatedCode  string         `db:"located_code"`
	CountyCode   string         `db:"county_code"`
	CountyName   sql.NullString `db:"county_name"`
	CityCode     string         `db:"city_code"`
	CityName     sql.NullString `db:"city_name"`
	ProvinceCode string         `db:"province_code"`
	ProvinceName sql.NullString `db:"province_name"`

	Registered          Count `db:"registered"`
	Applied             Count `db:"applied"`
	PhysicalExamined    Count `db:"physical_examined"`
	DoubleQualified     Count `db:"double_qualified"`
	Approved            Count `db:"approved"`
	Returned            Count `db:"returned"`
	Quota               Count `db:"quota"`
	QuotaCompletion     Rate  `db:"quota_completion"`
	AppliedPerThousand  Rate  `db:"applied_per_thousand"`
	ApprovedPerThousand Rate  `db:"approved_per_thousand"`

	ApprovedRank    Count `db:"approved_rank"`
	AppliedRateRank Count `db:"applied_rate_rank"`
}

// SchoolTotal is the bulletin region's row of school_totals_at
// (sql/models/562_school_totals_at.sql): the universities' figures summed,
// rates recomputed from the sums — the 高校征兵 sheet's 合计.
type SchoolTotal struct {
	Year               int64          `db:"year"`
	Season             int64          `db:"season"`
	AsOfDate           Date           `db:"as_of_date"`
	RegionCode         string         `db:"region_code"`
	RegionName         sql.NullString `db:"region_name"`
	Schools            Count          `db:"schools"`
	Students           Count          `db:"students"`
	Registered         Count          `db:"registered"`
	Applied            Count          `db:"applied"`
	PhysicalExamined   Count          `db:"physical_examined"`
	DoubleQualified    Count          `db:"double_qualified"`
	Approved           Count          `db:"approved"`
	Returned           Count          `db:"returned"`
	Quota              Count          `db:"quota"`
	QuotaCompletion    Rate           `db:"quota_completion"`
	AppliedPerThousand Rate           `db:"applied_per_thousand"`
}

// Schools is what the bulletin shows of the universities sitting in its
// region: a city's or a province's bulletin ranks them beside its counties
// (高校征兵). Rows are ranked by approved (then by code).
type Schools struct {
	Rows  []SchoolRow
	Total SchoolTotal
}

// ByAppliedRate returns the universities by applied per thousand students
// (highest first); those without a student count come last, by code.
func (s *Schools) ByAppliedRate() []SchoolRow {
	out := append([]SchoolRow(nil), s.Rows...)
	sort.SliceStable(out, func(i, j int) bool {
		ri, rj := out[i].AppliedRateRank, out[j].AppliedRateRank
		if ri.Valid != rj.Valid {
			return ri.Valid
		}
		if ri.V != rj.V {
			return ri.V < rj.V
		}
		return out[i].SchoolCode < out[j].SchoolCode
	})
	return out
}

// HasStudentCounts reports whether any university has a student count, so
// that a per-thousand ranking has something to rank.
func (s *Schools) HasStudentCounts() bool {
	for _, r := range s.Rows {
		if r.Students.Valid {
			return true
		}
	}
	return false
}

// readSchools reads the universities of a city's or a province's bulletin.
// It leaves b.Schools nil for a county or a town (whose universities the
// city's bulletin ranks), and when nobody registered through any of the
// region's universities this season: an office whose registrations carry
// no 院校 gets no table of zeros. people is readPeople's connection, whose
// counts of the people it sums (nil: it reads them itself).
func (b *Bulletin) readSchools(ctx context.Context, wh *warehouse.Warehouse, people *sql.Conn) error {
	if lv := regions.LevelOf(b.Scope.Code()); lv != regions.Province && lv != regions.City {
		return nil
	}
	// The universities' figures are read once into a temporary table of
	// this connection, and ranked and totalled from it: each reading costs
	// a pass over every person of the province (1.3 s at 1,000,000
	// registrations) unless readPeople's counts are there to sum.
	conn := people
	figures := `SELECT * FROM model_parts.school_metrics_of(CAST(? AS DATE), ?, ?, bulletin_people)`
	if conn == nil {
		var err error
		if conn, err = wh.DB().Conn(ctx); err != nil {
			return fmt.Errorf("read the universities of %s: %w", b.Scope.Code(), err)
		}
		defer conn.Close()
		figures = `SELECT * FROM school_metrics_at(CAST(? AS DATE), ?, ?)`
	}
	if _, err := conn.ExecContext(ctx, `
		CREATE OR REPLACE TEMP TABLE bulletin_school_rows AS `+figures+`
		WHERE year = ? AND season = ?`, b.AsOf.Format(time.DateOnly), b.Year, b.Season, b.Year, b.Season); err != nil {
		return fmt.Errorf("read the universities of %s: %w", b.Scope.Code(), err)
	}
	// The connection goes back to the pool: its table must not outlive
	// this bulletin.
	defer conn.ExecContext(context.WithoutCancel(ctx), `DROP TABLE IF EXISTS temp.bulletin_school_rows`) //nolint:errcheck // replaced by the next bulletin on this connection anyway
	rows, err := conn.QueryContext(ctx, `
		SELECT * FROM model_parts.school_ranking_of(?, bulletin_school_rows)
		ORDER BY approved_rank, school_code`, b.Scope.Code())
	if err != nil {
		return fmt.Errorf("read the universities of %s: %w", b.Scope.Code(), err)
	}
	list, err := scanInto[SchoolRow](rows, "school_ranking_at")
	if err != nil {
		return fmt.Errorf("read the universities of %s: %w", b.Scope.Code(), err)
	}
	active := false
	for _, r := range list {
		if r.Registered.Int() > 0 || r.Quota.Valid {
			active = true
		}
	}
	if !active {
		return nil
	}
	rows, err = conn.QueryContext(ctx, `
		SELECT * FROM model_parts.school_totals_of(bulletin_school_rows)
		WHERE region_code = ?`, b.Scope.Code())
	if err != nil {
		return fmt.Errorf("read the universities' total of %s: %w", b.Scope.Code(), err)
	}
	totals, err := scanInto[SchoolTotal](rows, "school_totals_at")
	if err != nil {
		return fmt.Errorf("read the universities' total of %s: %w", b.Scope.Code(), err)
	}
	if len(totals) != 1 {
		return fmt.Errorf("read the universities' total of %s: %d rows, want 1", b.Scope.Code(), len(totals))
	}
	b.Schools = &Schools{Rows: list, Total: totals[0]}
	return nil
}

// scanInto reads rows into structs of type T by column name (the db tags),
// as scanRows reads Row: a column without a field, or a field without a
// column, is an error naming it and the model.
func scanInto[T any](rows *sql.Rows, model string) ([]T, error) {
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	typ := reflect.TypeFor[T]()
	fields := map[string]int{}
	for i := range typ.NumField() {
		fields[typ.Field(i).Tag.Get("db")] = i
	}
	index := make([]int, len(cols))
	seen := map[string]bool{}
	for i, c := range cols {
		f, ok := fields[c]
		if !ok {
			return nil, fmt.Errorf("%s has a column %s that bulletin.%s lacks", model, c, typ.Name())
		}
		index[i], seen[c] = f, true
	}
	for c := range fields {
		if !seen[c] {
			return nil, fmt.Errorf("bulletin.%s has a field for column %s that %s lacks", typ.Name(), c, model)
		}
	}
	var out []T
	dest := make([]any, len(cols))
	for rows.Next() {
		var r T
		v := reflect.ValueOf(&r).Elem()
		for i, f := range index {
			dest[i] = v.Field(f).Addr().Interface()
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
