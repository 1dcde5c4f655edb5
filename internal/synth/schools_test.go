package synth

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
)

// TestUniversities: a Henan run lists the built-in Henan universities with
// their students in schools/41.csv; every registration's 院校 is the name
// or an alias of a listed university; and at least one university is
// written by its name in one file and by an alias in another. A province
// the built-in list lacks (宁夏 64) gets universities named after it and
// its cities.
func TestUniversities(t *testing.T) {
	for _, tc := range []struct {
		province string
		known    string // a university the list must have
	}{{"41", "郑州大学"}, {"64", "宁夏大学"}} {
		opt := Options{Province: tc.province, Year: 2025, Registrations: 8000, Seed: 3, Out: t.TempDir()}
		m := generate(t, opt)
		read := func(rel string) [][]string {
			f, err := os.Open(filepath.Join(opt.Out, filepath.FromSlash(rel)))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			recs, err := csv.NewReader(f).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			return recs
		}
		list := read("schools/" + tc.province + ".csv")
		if !slices.Equal(list[0], []string{"院校代码", "院校名称", "所在地区划代码", "在校生人数", "别名"}) {
			t.Fatalf("%s: header %v", tc.province, list[0])
		}
		spellings := map[string]string{} // spelling → name
		for _, r := range list[1:] {
			spellings[r[1]] = r[1]
			if n, err := strconv.Atoi(r[3]); err != nil || n < 5000 || n > 40000 {
				t.Errorf("%s %s: %q students", tc.province, r[1], r[3])
			}
			if r[4] != "" {
				for _, a := range splitAliases(r[4]) {
					spellings[a] = r[1]
				}
			}
		}
		if _, ok := spellings[tc.known]; !ok {
			t.Errorf("%s: no %s in the list", tc.province, tc.known)
		}
		byName := map[string]bool{} // university written by its name somewhere
		byAlias := map[string]bool{}
		for _, f := range m.Files {
			if f.Kind != kindRegistrations {
				continue
			}
			recs := read(f.Path)
			col := slices.Index(recs[0], "毕业院校")
			if col < 0 {
				t.Fatalf("%s: no 毕业院校 in %v", f.Path, recs[0])
			}
			for _, r := range recs[1:] {
				s := r[col]
				if s == "" {
					continue
				}
				name, ok := spellings[s]
				if !ok {
					t.Fatalf("%s: 院校 %q is no spelling of a listed university", f.Path, s)
				}
				if s == name {
					byName[name] = true
				} else {
					byAlias[name] = true
				}
			}
		}
		both := 0
		for n := range byAlias {
			if byName[n] {
				both++
			}
		}
		if both == 0 {
			t.Errorf("%s: no university is written by its name in one file and an alias in another", tc.province)
		}
	}
}

func splitAliases(s string) []string {
	var out []string
	start := 0
	rs := []rune(s)
	for i, r := range rs {
		if r == '、' {
			out = append(out, string(rs[start:i]))
			start = i + 1
		}
	}
	return append(out, string(rs[start:]))
}
