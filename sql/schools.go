package sql

import (
	"fmt"
	"strings"

	"enlist/internal/schools"
)

// schoolsModel installs the built-in list of universities
// (internal/schools/data) as two views, builtin_schools and
// builtin_school_aliases, generated from the data the binary carries so the
// list is written once. An office's schools extract adds to it and, for the
// codes it names, takes its place: school_list (550) combines the two.
func schoolsModel() (Model, error) {
	list, err := schools.Builtin()
	if err != nil {
		return Model{}, err
	}
	var rows, aliases []string
	for _, s := range list {
		rows = append(rows, fmt.Sprintf("(%s, %s, %s, %s)", lit(s.Code), lit(s.Name), lit(s.County), lit(s.Level)))
		for _, a := range s.Aliases {
			aliases = append(aliases, fmt.Sprintf("(%s, %s)", lit(s.Code), lit(a)))
		}
	}
	if len(aliases) == 0 {
		aliases = []string{"(NULL, NULL)"} // VALUES needs a row; filtered out below
	}
	return Model{Name: "001_builtin_schools", SQL: `-- builtin_schools, builtin_school_aliases: the universities the binary
-- carries (internal/schools/data/schools.csv and aliases.csv), generated
-- from that data by sql/schools.go. Read school_list for the list in force.
CREATE OR REPLACE VIEW builtin_schools AS
SELECT * FROM (VALUES
    ` + strings.Join(rows, ",\n    ") + `
) AS t(school_code, school_name, county_code, level);
COMMENT ON VIEW builtin_schools IS '内置高校名单: the universities enlist carries (internal/schools/data/schools.csv); a schools extract overrides a code';
COMMENT ON COLUMN builtin_schools.school_code IS '院校代码';
COMMENT ON COLUMN builtin_schools.school_name IS '院校名称';
COMMENT ON COLUMN builtin_schools.county_code IS '所在区县代码';
COMMENT ON COLUMN builtin_schools.level IS '办学层次: 本科 or 专科';
CREATE OR REPLACE VIEW builtin_school_aliases AS
SELECT * FROM (VALUES
    ` + strings.Join(aliases, ",\n    ") + `
) AS t(school_code, alias) WHERE school_code IS NOT NULL;
COMMENT ON VIEW builtin_school_aliases IS '内置高校别名: other spellings of the built-in universities (internal/schools/data/aliases.csv)';
COMMENT ON COLUMN builtin_school_aliases.school_code IS '院校代码';
COMMENT ON COLUMN builtin_school_aliases.alias IS '别名: a 简称 or 曾用名 registrations use';
`}, nil
}

// lit quotes a value of the built-in data as an SQL string literal.
func lit(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
