// Package schools carries the built-in list of universities as recruiting
// units (高校征兵工作站): code, name, the county each sits in, its level
// and the other spellings registrations use for it. The list is data
// (data/schools.csv, data/aliases.csv): adding a university or a spelling
// is a one-line change. The warehouse reads it as the builtin_schools view
// (sql/schools.go); an office's schools extract adds to it and, for the
// codes it names, takes its place (sql/models/550_school_list.sql).
package schools

import (
	"embed"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strings"
)

//go:embed data/*.csv
var data embed.FS

// School is one university of the built-in list.
type School struct {
	Code    string   // 院校代码 (教育部院校代码)
	Name    string   // 院校名称
	County  string   // 所在区县代码
	Level   string   // 本科 or 专科
	Aliases []string // other spellings (简称, 曾用名)
}

// Builtin returns the built-in list in file order, each with its aliases.
func Builtin() ([]School, error) {
	list, err := readCSV("data/schools.csv", []string{"code", "name", "county_code", "level"})
	if err != nil {
		return nil, err
	}
	aliases, err := readCSV("data/aliases.csv", []string{"code", "alias"})
	if err != nil {
		return nil, err
	}
	var out []School
	at := map[string]int{}
	for i, rec := range list {
		if _, dup := at[rec[0]]; dup {
			return nil, fmt.Errorf("schools data/schools.csv line %d: code %s listed twice", i+2, rec[0])
		}
		if len(rec[2]) != 6 {
			return nil, fmt.Errorf("schools data/schools.csv line %d: county code %q is not 6 digits", i+2, rec[2])
		}
		if rec[3] != "本科" && rec[3] != "专科" {
			return nil, fmt.Errorf("schools data/schools.csv line %d: level %q is neither 本科 nor 专科", i+2, rec[3])
		}
		at[rec[0]] = len(out)
		out = append(out, School{Code: rec[0], Name: rec[1], County: rec[2], Level: rec[3]})
	}
	for i, rec := range aliases {
		j, ok := at[rec[0]]
		if !ok {
			return nil, fmt.Errorf("schools data/aliases.csv line %d: no school with code %s in schools.csv", i+2, rec[0])
		}
		if !slices.Contains(out[j].Aliases, rec[1]) {
			out[j].Aliases = append(out[j].Aliases, rec[1])
		}
	}
	return out, nil
}

// InProvince lists the built-in universities of a province (its 2-digit code).
func InProvince(list []School, province string) []School {
	var out []School
	for _, s := range list {
		if strings.HasPrefix(s.County, province) {
			out = append(out, s)
		}
	}
	return out
}

func readCSV(name string, header []string) ([][]string, error) {
	f, err := data.Open(name)
	if err != nil {
		return nil, fmt.Errorf("schools %s: %w", name, err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = len(header)
	head, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("schools %s: %w", name, err)
	}
	if !slices.Equal(head, header) {
		return nil, fmt.Errorf("schools %s: header %v, want %v", name, head, header)
	}
	var out [][]string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("schools %s: %w", name, err)
		}
		for i := range rec {
			rec[i] = strings.TrimSpace(rec[i])
		}
		out = append(out, rec)
	}
}
