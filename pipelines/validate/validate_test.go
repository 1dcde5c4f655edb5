package validate

import (
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"enlist/internal/idnum"
	"enlist/internal/regions"
	"enlist/internal/secret"
	"enlist/pipelines/mapping"
)

func checker(t *testing.T, kind mapping.Kind, headers []string, consts Constants) *Checker {
	t.Helper()
	v, err := mapping.Load()
	if err != nil {
		t.Fatal(err)
	}
	tab, err := regions.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	cols := map[string]int{}
	for i, h := range headers {
		c, ok := v.Column(h)
		if !ok {
			t.Fatalf("no alias %q", h)
		}
		cols[c] = i
	}
	t.Setenv(secret.EnvVar, "test-secret-0123456789")
	key, err := secret.Load("")
	if err != nil {
		t.Fatal(err)
	}
	return NewChecker(kind, v, tab, cols, consts, key, time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC))
}

func TestRegistrationChecks(t *testing.T) {
	headers := []string{"身份证号", "姓名", "区划代码", "登记日期", "文化程度", "学业状态", "是否报名", "年度", "季度"}
	c := checker(t, mapping.Registrations, headers, Constants{})
	born := func(y int) string { return idnum.Make("410102", time.Date(y, 3, 9, 0, 0, 0, 0, time.UTC), 11) }
	good := born(2005) // 20 in 2025
	badCheck := good[:17] + string("0123456789X"[(indexOf(good[17])+1)%11])
	tests := []struct {
		name       string
		row        []string
		wantReason string // first problem's reason; "" = accepted
		wantFlags  []string
	}{
		{"valid", []string{good, "张三", "410102001", "2025-01-10", "本科", "在校生", "是", "2025", "上半年"}, "", nil},
		{"bad check character", []string{badCheck, "张三", "410102001", "2025-01-10", "", "", "", "2025", "1"}, ReasonIDCheck, nil},
		{"15-digit number", []string{"410102050309111", "张三", "410102001", "2025-01-10", "", "", "", "2025", "1"}, ReasonIDLength, nil},
		{"bad date", []string{good, "张三", "410102001", "2025-13-45", "", "", "", "2025", "1"}, ReasonDate, nil},
		{"implausible date", []string{good, "张三", "410102001", "1970-01-01", "", "", "", "2025", "1"}, ReasonImplausible, nil},
		{"unknown province", []string{good, "张三", "990102001", "2025-01-10", "", "", "", "2025", "1"}, ReasonRegion, nil},
		{"malformed region", []string{good, "张三", "41010", "2025-01-10", "", "", "", "2025", "1"}, ReasonRegion, nil},
		{"bad season", []string{good, "张三", "410102001", "2025-01-10", "", "", "", "2025", "3"}, ReasonValue, nil},
		{"unknown town flagged", []string{good, "张三", "410102999", "2025-01-10", "", "", "", "2025", "1"}, "", []string{FlagRegionUnknown}},
		{"unknown education flagged", []string{good, "张三", "410102001", "2025-01-10", "未知学历", "", "", "2025", "1"}, "", []string{FlagUnrecognised}},
		{"too old", []string{born(2001), "张三", "410102001", "2025-01-10", "高中", "非学生", "", "2025", "1"}, "", []string{FlagAgeRule}},
		{"graduate may be 24", []string{born(2001), "张三", "410102001", "2025-01-10", "本科", "应届毕业生", "", "2025", "1"}, "", nil},
		{"too young", []string{born(2008), "张三", "410102001", "2025-01-10", "", "", "", "2025", "1"}, "", []string{FlagAgeRule}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			row, problems, flags := c.Check(tt.row)
			if tt.wantReason != "" {
				if len(problems) == 0 || problems[0].Reason != tt.wantReason {
					t.Fatalf("problems = %+v, want %s", problems, tt.wantReason)
				}
				for _, p := range problems {
					if p.Column == "id_number" && len(p.Raw) == 18 && p.Raw == tt.row[0] {
						t.Errorf("raw identity number stored unmasked")
					}
				}
				return
			}
			if len(problems) > 0 {
				t.Fatalf("rejected: %+v", problems)
			}
			var got []string
			for _, f := range flags {
				got = append(got, f.Flag)
			}
			if len(got) != len(tt.wantFlags) || (len(got) > 0 && got[0] != tt.wantFlags[0]) {
				t.Errorf("flags = %v, want %v", got, tt.wantFlags)
			}
			if row.Year != 2025 || row.Region == "" {
				t.Errorf("row = %+v", row)
			}
		})
	}
}

func indexOf(b byte) int {
	for i, c := range []byte("0123456789X") {
		if c == b {
			return i
		}
	}
	return 0
}

func TestExamConstantsAndSeasonFromDate(t *testing.T) {
	good := idnum.Make("410102", time.Date(2005, 3, 9, 0, 0, 0, 0, time.UTC), 11)
	c := checker(t, mapping.Exams, []string{"身份证号", "检查日期", "结论"}, Constants{ExamType: "physical"})
	row, problems, _ := c.Check([]string{good, "2025/8/3", "不合格"})
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	// August is in the summer-autumn season's window.
	if row.Year != 2025 || row.Season != 2 || row.Values[1] != "physical" || row.Values[3] != false {
		t.Errorf("row = %+v", row)
	}
	_, problems, _ = c.Check([]string{good, "2025/8/3", "待定"})
	if len(problems) != 1 || problems[0].Reason != ReasonValue || problems[0].Column != "result" {
		t.Errorf("problems = %+v", problems)
	}
}

func TestQuotaRatios(t *testing.T) {
	c := checker(t, mapping.Quotas, []string{"年度", "批次", "区划代码", "征集任务数", "大学生比例目标"}, Constants{})
	for _, tt := range []struct {
		in   string
		want float64
	}{{"0.7", 0.7}, {"70%", 0.7}, {"70", 0.7}, {"65.5％", 0.655}} {
		row, problems, _ := c.Check([]string{"2025", "1", "410102", "120", tt.in})
		if len(problems) > 0 {
			t.Fatalf("%s: %+v", tt.in, problems)
		}
		if got := row.Values[4].(float64); got < tt.want-1e-9 || got > tt.want+1e-9 {
			t.Errorf("ratio %q = %v, want %v", tt.in, got, tt.want)
		}
	}
	_, problems, _ := c.Check([]string{"2025", "1", "410102", "12.5", ""})
	if len(problems) != 1 || problems[0].Reason != ReasonNumber {
		t.Errorf("fractional quota: %+v", problems)
	}
}

// Validation hands values over by the kind's column list, and knows
// nothing of the database driver: the loader alone writes to DuckDB.
func TestValidateDoesNotImportTheDriver(t *testing.T) {
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	out, err := exec.Command(goBin, "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Skipf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.Contains(dep, "duckdb") {
			t.Errorf("pipelines/validate depends on %s", dep)
		}
	}
}

// Values go where the kind's column list puts their column, whatever the
// order validation computes them in.
func TestValuesFollowTheColumnList(t *testing.T) {
	c := &Checker{stored: []string{"season", "region_code", "year"}}
	got := c.record().set("year", 2025).set("season", 1).set("region_code", "410102").vals
	if want := []any{1, "410102", 2025}; !reflect.DeepEqual(got, want) {
		t.Errorf("values = %v, want %v", got, want)
	}

	good := idnum.Make("410102", time.Date(2005, 3, 9, 0, 0, 0, 0, time.UTC), 11)
	reg := checker(t, mapping.Registrations, []string{"身份证号", "区划代码", "登记日期"}, Constants{})
	row, problems, _ := reg.Check([]string{good, "410102001", "2025-01-10"})
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	spec, _ := mapping.Spec(mapping.Registrations)
	if len(row.Values) != len(spec.Stored) {
		t.Fatalf("%d values for %d columns", len(row.Values), len(spec.Stored))
	}
	at := func(col string) any { return row.Values[slices.Index(spec.Stored, col)] }
	if at("region_code") != "410102001" || at("id_county") != "410102" || at("birth_year") != int16(2005) ||
		at("year") != int32(2025) || at("season") != int8(1) {
		t.Errorf("values = %v", row.Values)
	}
}

// TestKeysTellRecordsApart: the duplicate key of a row differs whenever one
// of its fields does, including where the fields' bytes would run together
// without the separators, and when the fields are too long for the array.
func TestKeysTellRecordsApart(t *testing.T) {
	p := [16]byte{1, 2, 3}
	day := time.Date(2025, 3, 5, 0, 0, 0, 0, time.UTC)
	long := strings.Repeat("区", 20)
	keys := map[string]Key{
		"registration":        key(p, 2025, 1, "410102001"),
		"other season":        key(p, 2025, 2, "410102001"),
		"other region":        key(p, 2025, 1, "410102002"),
		"other person":        key([16]byte{1, 2, 4}, 2025, 1, "410102001"),
		"fields run together": key(p, 20251, 1, "410102001"),
		"exam":                key(p, "physical", day),
		"exam other day":      key(p, "physical", day.AddDate(0, 0, 1)),
		"long":                key(p, long, 1),
		"long, other field":   key(p, long, 2),
		"no person":           key([16]byte{}, "41"),
		"no person, longer":   key([16]byte{}, "41", ""),
	}
	seen := map[Key]string{}
	for name, k := range keys {
		if other, dup := seen[k]; dup {
			t.Errorf("%s and %s have the same key", name, other)
		}
		seen[k] = name
	}
	if key(p, 2025, 1, "410102001") != keys["registration"] || key(p, long, 1) != keys["long"] {
		t.Error("the same fields give different keys")
	}
}
