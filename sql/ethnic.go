package sql

import (
	_ "embed"
	"encoding/csv"
	"fmt"
	"strings"
)

// ethnicGroupsCSV lists the 56 peoples (民族) of the official list by their
// GB/T 3304 code, each under every spelling a registration system writes:
// the official name, the name without 族, the common older or short forms
// (维族, 僮族, 崩龙族), the romanised names and the code itself (01, and 1
// where a spreadsheet dropped the zero). Adding a spelling is a one-line
// change here, and the minority figures (少数民族) count it at the next open.
//
//go:embed data/ethnic_groups.csv
var ethnicGroupsCSV string

// hanCode is 汉族's GB/T 3304 code: every other people of the list is an
// ethnic minority (少数民族).
const hanCode = "01"

// EthnicGroup is one spelling of a people.
type EthnicGroup struct {
	Spelling, Name, Code string
}

// Minority tells whether the people is an ethnic minority.
func (g EthnicGroup) Minority() bool { return g.Code != hanCode }

// EthnicGroups reads the spellings of the 56 peoples.
func EthnicGroups() ([]EthnicGroup, error) {
	recs, err := csv.NewReader(strings.NewReader(ethnicGroupsCSV)).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("sql/data/ethnic_groups.csv: %w", err)
	}
	var out []EthnicGroup
	seen := map[string]int{}
	for i, r := range recs[1:] {
		if len(r) != 3 || r[0] == "" || r[1] == "" || r[2] == "" {
			return nil, fmt.Errorf("sql/data/ethnic_groups.csv line %d: want spelling,name,code", i+2)
		}
		key := normalEthnicity(r[0])
		if first, dup := seen[key]; dup {
			return nil, fmt.Errorf("sql/data/ethnic_groups.csv line %d: spelling %q already on line %d", i+2, r[0], first)
		}
		seen[key] = i + 2
		out = append(out, EthnicGroup{Spelling: r[0], Name: r[1], Code: r[2]})
	}
	return out, nil
}

// normalEthnicity is what the ethnic_group and is_minority macros
// compare: lower case, without spaces (in SQL, lower of replace).
func normalEthnicity(s string) string { return strings.ToLower(strings.ReplaceAll(s, " ", "")) }

// ethnicModel is the ethnic_groups view (every spelling with its people and
// code) and the macros the minority figures use: ethnic_group(ethnicity),
// the people's official name or NULL for a spelling the list does not
// know (blank, 其他, 未识别), and is_minority(ethnicity), true for any
// people but 汉族, false for 汉族, NULL when the people is not known.
func ethnicModel() (Model, error) {
	groups, err := EthnicGroups()
	if err != nil {
		return Model{}, err
	}
	quote := func(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
	var values, cases, han, minority []string
	for _, g := range groups {
		values = append(values, fmt.Sprintf("(%s, %s, %s, %t)", quote(g.Spelling), quote(g.Name), quote(g.Code), g.Minority()))
		cases = append(cases, fmt.Sprintf("WHEN %s THEN %s", quote(normalEthnicity(g.Spelling)), quote(g.Name)))
		if g.Minority() {
			minority = append(minority, quote(normalEthnicity(g.Spelling)))
		} else {
			han = append(han, quote(normalEthnicity(g.Spelling)))
		}
	}
	return Model{Name: "000_ethnic_groups", SQL: fmt.Sprintf(`-- ethnic_groups, ethnic_group(ethnicity), is_minority(ethnicity): generated
-- from sql/data/ethnic_groups.csv (sql/ethnic.go), the one list of the 56
-- peoples and their spellings.
CREATE OR REPLACE VIEW ethnic_groups AS
SELECT * FROM (VALUES
    %s
) AS t(spelling, name, code, minority);
COMMENT ON VIEW ethnic_groups IS '民族: every spelling of the 56 peoples a registration may carry, with the official name, the GB/T 3304 code and whether it is an ethnic minority (少数民族: any people but 汉族)';
COMMENT ON COLUMN ethnic_groups.spelling IS '写法: a spelling a registration may carry (official name, short form, older name, romanised)';
COMMENT ON COLUMN ethnic_groups.name IS '民族: the official name';
COMMENT ON COLUMN ethnic_groups.code IS '民族代码: GB/T 3304';
COMMENT ON COLUMN ethnic_groups.minority IS '少数民族: true for any people but 汉族';
CREATE OR REPLACE MACRO ethnic_group(ethnicity) AS
CASE lower(replace(ethnicity, ' ', ''))
    %s
END;
COMMENT ON MACRO ethnic_group IS '民族 (official name) of a registration''s ethnicity as written, NULL for a spelling not in ethnic_groups';
-- Two lists rather than ethnic_group's CASE: DuckDB turns a long IN list
-- into one hash lookup, where the CASE compares every spelling in turn, for
-- each of a million registrations.
CREATE OR REPLACE MACRO is_minority(ethnicity) AS
CASE WHEN lower(replace(ethnicity, ' ', '')) IN (%s) THEN false
     WHEN lower(replace(ethnicity, ' ', '')) IN (%s) THEN true END;
COMMENT ON MACRO is_minority IS '少数民族: true for any of the 56 peoples but 汉族, false for 汉族, NULL when the ethnicity is blank or not a known spelling';
`, strings.Join(values, ",\n    "), strings.Join(cases, "\n    "), strings.Join(han, ", "), strings.Join(minority, ", "))}, nil
}
