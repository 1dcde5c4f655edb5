package metrics_test

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"enlist/internal/metrics"
	"enlist/internal/warehouse"
)

// schoolListRow is one university of the generated list (高校名单).
type schoolListRow struct {
	code, name, county string
	students           int64 // 0 when not given
	aliases            []string
}

func readSchoolListRow(t *testing.T, f *csvFile, row []string) schoolListRow {
	t.Helper()
	r := schoolListRow{code: f.get(t, row, "院校代码"), name: f.get(t, row, "院校名称"), county: f.get(t, row, "所在地区划代码")}
	if s := f.get(t, row, "在校生人数"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			t.Fatalf("%s: 在校生人数 %q", f.path, s)
		}
		r.students = n
	}
	if s := f.get(t, row, "别名"); s != "" {
		r.aliases = strings.Split(s, "、")
	}
	return r
}

// schoolFigures are one university's counts as the oracle finds them.
type schoolFigures struct {
	registered, applied, examined, double, approved, returned int64
}

// schoolCounts computes, straight from the rows, each university's figures
// for one season as of a date: the people whose latest registration on or
// before as-of names it (its name or an alias, written exactly as the list
// gives them; a spelling of two universities names none) and who are its
// student or its graduate of the year (在校生, 应届毕业生). Their exams and
// approval are counted as the region figures count them.
func (o *oracle) schoolCounts(season int, asOf time.Time) map[string]*schoolFigures {
	spelled := map[string]map[string]bool{}
	for _, s := range o.ex.schools {
		for _, sp := range append([]string{s.code, s.name}, s.aliases...) {
			if spelled[sp] == nil {
				spelled[sp] = map[string]bool{}
			}
			spelled[sp][s.code] = true
		}
	}
	type person struct {
		latest  regRow
		applied bool
	}
	people := map[string]*person{}
	for _, r := range o.ex.regs {
		if r.year != oracleYear || r.season != season || r.on.After(asOf) {
			continue
		}
		p := people[r.id]
		if p == nil {
			p = &person{latest: r}
			people[r.id] = p
		} else if r.on.After(p.latest.on) || (r.on.Equal(p.latest.on) && p.latest.ord.less(r.ord)) {
			p.latest = r
		}
		p.applied = p.applied || r.applied
	}
	type examKey struct{ id, typ string }
	latestExam := map[examKey]examRow{}
	for _, e := range o.ex.exams {
		if e.year != oracleYear || e.season != season || e.on.After(asOf) {
			continue
		}
		k := examKey{e.id, e.typ}
		if cur, ok := latestExam[k]; !ok || e.on.After(cur.on) || (e.on.Equal(cur.on) && cur.ord.less(e.ord)) {
			latestExam[k] = e
		}
	}
	latestAppr := map[string]apprRow{}
	for _, a := range o.ex.apprs {
		if a.year != oracleYear || a.season != season {
			continue
		}
		if cur, ok := latestAppr[a.id]; !ok || cur.ord.less(a.ord) {
			latestAppr[a.id] = a
		}
	}
	out := map[string]*schoolFigures{}
	for _, s := range o.ex.schools {
		out[s.code] = &schoolFigures{}
	}
	for id, p := range people {
		r := p.latest
		codes := spelled[r.school]
		if r.school == "" || len(codes) != 1 {
			continue
		}
		if r.status != "在校生" && r.status != "应届毕业生" {
			o.coverage["university past graduate or non-student"]++
			continue
		}
		var code string
		for c := range codes {
			code = c
		}
		f := out[code]
		f.registered++
		if p.applied {
			f.applied++
		}
		ph, phOK := latestExam[examKey{id, "physical"}]
		po, poOK := latestExam[examKey{id, "political"}]
		if phOK {
			f.examined++
		}
		if phOK && ph.pass && poOK && po.pass {
			f.double++
		}
		if a, ok := latestAppr[id]; ok && notAfter(a.approved, asOf) {
			f.approved++
			o.coverage["university approved"]++
			if notAfter(a.returned, asOf) {
				f.returned++
			}
		}
		o.coverage["university person"]++
	}
	return out
}

// checkSchoolsAgainstOracle compares enlist metrics --schools of the
// province (ReadSchools: school_ranking_at) and school_totals_at at every
// level with the oracle, season by season, at each date.
func checkSchoolsAgainstOracle(t *testing.T, wh *warehouse.Warehouse, o *oracle, dates []string) {
	t.Helper()
	if len(o.ex.schools) == 0 {
		t.Fatal("the generated province has no university list")
	}
	byCode := map[string]schoolListRow{}
	for _, s := range o.ex.schools {
		byCode[s.code] = s
	}
	var bad []string
	compared := 0
	for _, ds := range dates[2:5] { // spring approvals done, end of spring, autumn exams
		asOf, _ := time.Parse(time.DateOnly, ds)
		for season := 1; season <= 2; season++ {
			want := o.schoolCounts(season, asOf)
			frame, err := metrics.ReadSchools(context.Background(), wh, metrics.Query{Scope: oracleProvince, Year: oracleYear, Season: season, AsOf: asOf})
			if err != nil {
				t.Fatalf("ReadSchools season %d as of %s: %v", season, ds, err)
			}
			if len(frame.Rows) != len(o.ex.schools) {
				t.Errorf("s%d@%s: %d universities, the list has %d", season, ds, len(frame.Rows), len(o.ex.schools))
			}
			for i := range frame.Rows {
				code := frame.Value(i, "school_code").(string)
				w, ok := want[code]
				if !ok {
					bad = append(bad, fmt.Sprintf("s%d@%s: %s is not in the list", season, ds, code))
					continue
				}
				s := byCode[code]
				var above int64
				for _, other := range want {
					if other.approved > w.approved {
						above++
					}
				}
				for col, v := range map[string]int64{
					"registered": w.registered, "applied": w.applied, "physical_examined": w.examined,
					"double_qualified": w.double, "approved": w.approved, "returned": w.returned,
					"students": s.students, "approved_rank": 1 + above,
				} {
					if g, ok := asInt(frame.Value(i, col)); !ok || g != v {
						bad = append(bad, fmt.Sprintf("s%d@%s %s %s: %v, oracle %d", season, ds, code, col, frame.Value(i, col), v))
					}
				}
				if got := frame.Value(i, "county_code"); got != s.county[:6] {
					bad = append(bad, fmt.Sprintf("%s county %v, list %s", code, got, s.county))
				}
				wantRate := 1000 * float64(w.applied) / float64(s.students)
				if g, ok := asFloat(frame.Value(i, "applied_per_thousand")); !ok || math.Abs(g-wantRate) > 1e-9 {
					bad = append(bad, fmt.Sprintf("s%d@%s %s applied_per_thousand: %v, oracle %v", season, ds, code, frame.Value(i, "applied_per_thousand"), wantRate))
				}
				if frame.Value(i, "quota") != nil {
					bad = append(bad, fmt.Sprintf("%s has a quota; the generator sets none", code))
				}
				compared++
			}
			// The totals by where the universities sit, every level.
			sums := map[string]*schoolFigures{}
			students := map[string]int64{}
			for code, f := range want {
				county := byCode[code].county
				for _, n := range []int{2, 4, 6} {
					k := county[:n]
					if sums[k] == nil {
						sums[k] = &schoolFigures{}
					}
					sums[k].registered += f.registered
					sums[k].applied += f.applied
					sums[k].examined += f.examined
					sums[k].double += f.double
					sums[k].approved += f.approved
					sums[k].returned += f.returned
					students[k] += byCode[code].students
				}
			}
			type total struct {
				f        schoolFigures
				students int64
				rate     float64
			}
			totals := map[string]total{}
			rows, err := wh.DB().QueryContext(context.Background(),
				`SELECT region_code, registered, applied, physical_examined, double_qualified, approved, returned, students, applied_per_thousand
				 FROM school_totals_at(CAST(? AS DATE), ?, ?)`, ds, oracleYear, season)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var code string
				var reg, app, exm, dbl, appr, ret, stu int64
				var rate float64
				if err := rows.Scan(&code, &reg, &app, &exm, &dbl, &appr, &ret, &stu, &rate); err != nil {
					t.Fatal(err)
				}
				totals[code] = total{schoolFigures{reg, app, exm, dbl, appr, ret}, stu, rate}
			}
			if err := rows.Close(); err != nil {
				t.Fatal(err)
			}
			if len(totals) != len(sums) {
				t.Errorf("s%d@%s: totals for %d regions, oracle %d", season, ds, len(totals), len(sums))
			}
			for code, w := range sums {
				g, ok := totals[code]
				if !ok {
					bad = append(bad, fmt.Sprintf("s%d@%s totals: no row for %s", season, ds, code))
					continue
				}
				if g.f != *w || g.students != students[code] {
					bad = append(bad, fmt.Sprintf("s%d@%s totals %s: %v %d students, oracle %v %d", season, ds, code, g.f, g.students, *w, students[code]))
				}
				if r := 1000 * float64(w.applied) / float64(students[code]); math.Abs(g.rate-r) > 1e-9 {
					bad = append(bad, fmt.Sprintf("s%d@%s totals %s per thousand: %v, oracle %v", season, ds, code, g.rate, r))
				}
			}
		}
	}
	sort.Strings(bad)
	if len(bad) > 20 {
		bad = append(bad[:20], fmt.Sprintf("… and %d more", len(bad)-20))
	}
	if len(bad) > 0 {
		t.Errorf("university figures disagree with the Go oracle (%d rows compared):\n%s", compared, strings.Join(bad, "\n"))
	}
	for _, k := range []string{"university person", "university approved", "university past graduate or non-student"} {
		if o.coverage[k] == 0 {
			t.Errorf("the generated data never reaches %q", k)
		}
	}
}
