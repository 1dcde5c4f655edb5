package bulletin

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"sort"
	"testing"
	"time"

	"enlist/internal/idnum"
	"enlist/internal/warehouse"
	"enlist/pipelines/load"
	"enlist/reports/internal/fixture"
)

// TestFilesOfASeasonCountAsEverySeason: a season's bulletin computes the
// warnings between files for the seasons of the rows it lists only, and
// counts every file and warning it lists as over every season. The
// warehouse holds 2025's two seasons:
//
//	reg1.csv   season 1, 4 people of 410102
//	reg2.csv   season 2, 4 people of 410103
//	exam1.csv  season 1: p2 passed; o4 registered nowhere (an orphan)
//	exams.csv  no season: p1 (02-10) and q1 (08-10) passed; orphans o1
//	           (02-11, season 1), o2 and o3 (08-11, 08-12, season 2)
//
// Season 1's bulletin lists reg1, exam1 (1 flagged) and exams (3 flagged,
// its rows of both seasons); season 2's lists reg2 and exams (3 flagged).
// Its warnings: season 1 an orphan in exam1 and one in exams, season 2 two
// in exams. The same whether the warnings are computed or kept by a writer
// (warehouse.KeepSeasonWarnings); kept ones are read only while their
// season's rows are as they were kept.
func TestFilesOfASeasonCountAsEverySeason(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	wh, loader := fixture.Open(t, dir, nil)
	born := time.Date(2005, 6, 1, 0, 0, 0, 0, time.UTC)
	id := func(county string, n int) string { return idnum.Make(county, born, 100+2*n+1) }
	p := []string{id("410102", 1), id("410102", 2), id("410102", 3), id("410102", 4)}
	q := []string{id("410103", 5), id("410103", 6), id("410103", 7), id("410103", 8)}
	o := []string{id("410104", 9), id("410104", 10), id("410104", 11), id("410104", 12)}
	regHead := []string{"身份证号", "区划代码", "登记日期", "是否应征报名", "文化程度", "学业状态", "年度", "季度"}
	examHead := []string{"身份证号", "检查类型", "检查日期", "结论"}
	var reg1, reg2 [][]string
	for i := range p {
		reg1 = append(reg1, []string{p[i], "410102001", "2025-01-05", "是", "高中", "非学生", "2025", "上半年"})
		reg2 = append(reg2, []string{q[i], "410103001", "2025-07-05", "是", "高中", "非学生", "2025", "下半年"})
	}
	in := filepath.Join(dir, "in")
	write := func(name string, head []string, rows [][]string) string {
		t.Helper()
		fixture.WriteCSV(t, in, name, head, rows)
		return filepath.Join(in, name)
	}
	for _, f := range []string{
		write("reg1.csv", regHead, reg1),
		write("reg2.csv", regHead, reg2),
		write("exam1.csv", examHead, [][]string{{p[1], "体检", "2025-02-10", "合格"}, {o[3], "体检", "2025-02-12", "合格"}}),
	} {
		if _, err := loader.LoadFile(ctx, f, load.Options{}); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
	}
	conn, err := wh.DB().Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	seasons := func(y, s int) [][2]int {
		t.Helper()
		got, err := listedSeasons(ctx, conn, y, s)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	if got := seasons(2025, 2); !reflect.DeepEqual(got, [][2]int{{2025, 2}}) {
		t.Errorf("every file of one season: season 2 computes %v, want its own", got)
	}
	spanning := write("exams.csv", examHead, [][]string{
		{p[0], "体检", "2025-02-10", "合格"}, {q[0], "体检", "2025-08-10", "合格"},
		{o[0], "体检", "2025-02-11", "合格"}, {o[1], "体检", "2025-08-11", "合格"}, {o[2], "体检", "2025-08-12", "合格"}})
	res, err := loader.LoadFile(ctx, spanning, load.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Scope.Season != 0 {
		t.Fatalf("exams.csv has scope %+v, want no season (the fixture needs a file of both)", res.Scope)
	}
	for _, s := range []int{1, 2} {
		if got := seasons(2025, s); !reflect.DeepEqual(got, [][2]int{{2025, 1}, {2025, 2}}) {
			t.Errorf("with a file of both seasons, season %d computes %v, want both", s, got)
		}
	}
	conn.Close()

	both := []seasonFiles{
		{1, []listedFile{{"exam1.csv", 1}, {"exams.csv", 3}, {"reg1.csv", 0}}, []string{"exam1.csv orphan 1", "exams.csv orphan 1"}},
		{2, []listedFile{{"exams.csv", 3}, {"reg2.csv", 0}}, []string{"exams.csv orphan 2"}},
	}
	// Computed: the fixture's loader keeps no warnings between files.
	checkFiles(t, wh, "computed", both)
	// Kept by a writer (warehouse.KeepSeasonWarnings), the same.
	if kept, err := wh.KeepSeasonWarnings(ctx); err != nil || len(kept) != 2 {
		t.Fatalf("kept %v, %v; want both seasons", kept, err)
	}
	checkFiles(t, wh, "kept", both)
	// What a reader lists is the kept rows while the season's rows are as
	// they were kept: with season 2's taken out of the table, exams.csv
	// keeps season 1's orphan only.
	if _, err := wh.DB().ExecContext(ctx, `DELETE FROM season_warnings WHERE season = 2`); err != nil {
		t.Fatal(err)
	}
	checkFiles(t, wh, "season 2's kept rows taken out", []seasonFiles{{2, []listedFile{{"exams.csv", 1}, {"reg2.csv", 0}}, nil}})
	// Once season 2's rows change, its kept rows are no longer read: a new
	// file of that season brings the warnings computed back.
	if _, err := loader.LoadFile(ctx, write("exam2.csv", examHead, [][]string{{q[1], "体检", "2025-08-15", "合格"}}), load.Options{}); err != nil {
		t.Fatal(err)
	}
	checkFiles(t, wh, "season 2 changed since", []seasonFiles{
		both[0],
		{2, []listedFile{{"exam2.csv", 0}, {"exams.csv", 3}, {"reg2.csv", 0}}, []string{"exams.csv orphan 2"}}})
}

type listedFile struct {
	file    string
	flagged int64
}

// seasonFiles are the files a season's bulletin of the province lists,
// with their flagged rows, and its warnings ("file reason rows").
type seasonFiles struct {
	season int
	files  []listedFile
	issues []string
}

// checkFiles reads each season's files and warnings as a province's
// bulletin lists them, and compares them with want.
func checkFiles(t *testing.T, wh *warehouse.Warehouse, when string, want []seasonFiles) {
	t.Helper()
	ctx := context.Background()
	for _, c := range want {
		f, err := ReadFiles(ctx, wh, 2025, c.season)
		if err != nil {
			t.Fatal(err)
		}
		b := &Bulletin{Year: 2025, Season: c.season, Scope: Row{RegionCode: "41"}, files: f}
		if err := b.readFiles(ctx, wh); err != nil {
			t.Fatal(err)
		}
		if err := b.readIssues(ctx, wh); err != nil {
			t.Fatal(err)
		}
		var files []listedFile
		for _, fq := range b.Files {
			files = append(files, listedFile{fq.File, fq.Flagged})
		}
		sort.Slice(files, func(i, j int) bool { return files[i].file < files[j].file })
		if !reflect.DeepEqual(files, c.files) {
			t.Errorf("%s: season %d lists %v, want %v", when, c.season, files, c.files)
		}
		var issues []string
		for _, i := range b.Issues {
			if i.Source == "flag" {
				issues = append(issues, fmt.Sprintf("%s %s %d", i.File, i.Reason, i.Rows))
			}
		}
		sort.Strings(issues)
		if !reflect.DeepEqual(issues, c.issues) {
			t.Errorf("%s: season %d's warnings %v, want %v", when, c.season, issues, c.issues)
		}
	}
}
