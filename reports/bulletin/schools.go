package bulletin

import (
	"context"
	"database/sql"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"time"

	"enlist/internal/regions"
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
// counts of the people it sums; a bulletin of a Day (people nil) takes the
// Day's.
func (b *Bulletin) readSchools(ctx context.Context, people *sql.Conn) error {
	if !ranksSchools(b.Scope.Code()) {
		return nil
	}
	if b.day != nil {
		b.Schools = b.day.schools[b.Scope.Code()]
		return nil
	}
	drop, err := readSchoolRows(ctx, people, b.AsOf, b.Year, b.Season)
	if err != nil {
		return fmt.Errorf("read the universities of %s: %w", b.Scope.Code(), err)
	}
	defer drop()
	b.Schools, err = rankSchools(ctx, people, b.Scope.Code())
	return err
}

// ranksSchools: a province's and a city's bulletins rank their
// universities; a county's and a town's are the city's to rank.
func ranksSchools(scope string) bool {
	lv := regions.LevelOf(scope)
	return lv == regions.Province || lv == regions.City
}

// readSchoolRows reads the universities' figures of a season as of a date
// from readPeople's counts on conn (bulletin_people) into the temporary
// table bulletin_school_rows, for rankSchools to rank and total; drop
// removes it, as the connection goes back to the pool and its table must
// not outlive the reading. Summing the counts already read spares a
// second pass over every person of the province.
func readSchoolRows(ctx context.Context, conn *sql.Conn, asOf time.Time, year, season int) (drop func(), err error) {
	if _, err := conn.ExecContext(ctx, `
		CREATE OR REPLACE TEMP TABLE bulletin_school_rows AS
		SELECT * FROM model_parts.school_metrics_of(CAST(? AS DATE), ?, ?, bulletin_people)
		WHERE year = ? AND season = ?`, asOf.Format(time.DateOnly), year, season, year, season); err != nil {
		return nil, err
	}
	return func() {
		conn.ExecContext(context.WithoutCancel(ctx), `DROP TABLE IF EXISTS temp.bulletin_school_rows`) //nolint:errcheck // replaced by the next reading on this connection anyway
	}, nil
}

// rankSchools ranks and totals the universities sitting in scope from
// readSchoolRows' table. It returns nil when nobody registered through
// any of them this season and none has a quota: an office whose
// registrations carry no 院校 gets no table of zeros.
func rankSchools(ctx context.Context, conn *sql.Conn, scope string) (*Schools, error) {
	all, err := rankSchoolsOf(ctx, conn, []string{scope})
	return all[scope], err
}

// rankSchoolsOf is rankSchools for each of scopes, in two statements
// whatever their number (a Day ranks the universities of every province
// and city where one sits; a statement each cost more in planning than
// in reading). Scopes with none to show are left out.
func rankSchoolsOf(ctx context.Context, conn *sql.Conn, scopes []string) (map[string]*Schools, error) {
	out := map[string]*Schools{}
	if len(scopes) == 0 {
		return out, nil
	}
	// Each scope's ranking, tagged with the scope, one after another.
	var parts []string
	var args []any
	for _, sc := range scopes {
		parts = append(parts, `SELECT ? AS ranked_scope, * FROM model_parts.school_ranking_of(?, bulletin_school_rows)`)
		args = append(args, sc, sc)
	}
	rows, err := conn.QueryContext(ctx, `SELECT * FROM (`+strings.Join(parts, ` UNION ALL `)+`)
		ORDER BY ranked_scope, approved_rank, school_code`, args...)
	if err != nil {
		return nil, fmt.Errorf("read the universities of %s: %w", strings.Join(scopes, ", "), err)
	}
	lists, err := scanKeyed[SchoolRow](rows, "school_ranking_at", "ranked_scope")
	if err != nil {
		return nil, fmt.Errorf("read the universities of %s: %w", strings.Join(scopes, ", "), err)
	}
	var active []string
	for _, sc := range scopes {
		for _, r := range lists[sc] {
			if r.Registered.Int() > 0 || r.Quota.Valid {
				active = append(active, sc)
				break
			}
		}
	}
	if len(active) == 0 {
		return out, nil
	}
	rows, err = conn.QueryContext(ctx, `
		SELECT * FROM model_parts.school_totals_of(bulletin_school_rows)
		WHERE list_contains(?::VARCHAR[], region_code)`, "["+strings.Join(active, ",")+"]")
	if err != nil {
		return nil, fmt.Errorf("read the universities' totals of %s: %w", strings.Join(active, ", "), err)
	}
	totals, err := scanInto[SchoolTotal](rows, "school_totals_at")
	if err != nil {
		return nil, fmt.Errorf("read the universities' totals of %s: %w", strings.Join(active, ", "), err)
	}
	byScope := map[string][]SchoolTotal{}
	for _, t := range totals {
		byScope[t.RegionCode] = append(byScope[t.RegionCode], t)
	}
	for _, sc := range active {
		if len(byScope[sc]) != 1 {
			return nil, fmt.Errorf("read the universities' total of %s: %d rows, want 1", sc, len(byScope[sc]))
		}
		out[sc] = &Schools{Rows: lists[sc], Total: byScope[sc][0]}
	}
	return out, nil
}

// scanInto reads rows into structs of type T by column name (the db tags),
// as scanRows reads Row: a column without a field, or a field without a
// column, is an error naming it and the model.
func scanInto[T any](rows *sql.Rows, model string) ([]T, error) {
	byKey, err := scanKeyed[T](rows, model, "")
	return byKey[""], err
}

// scanKeyed is scanInto for rows that carry one more column, key (none
// when ""), whose value groups them, each group in the rows' order.
func scanKeyed[T any](rows *sql.Rows, model, key string) (map[string][]T, error) {
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
		if key != "" && c == key {
			index[i] = -1
			continue
		}
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
	out := map[string][]T{}
	dest := make([]any, len(cols))
	for rows.Next() {
		var r T
		var k string
		v := reflect.ValueOf(&r).Elem()
		for i, f := range index {
			if f < 0 {
				dest[i] = &k
			} else {
				dest[i] = v.Field(f).Addr().Interface()
			}
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		out[k] = append(out[k], r)
	}
	return out, rows.Err()
}
