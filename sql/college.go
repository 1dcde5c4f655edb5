package sql

import (
	"fmt"
	"slices"
	"strings"
)

// collegeEducations are the education codes of 大专 (associate degree) and
// above: "college" in SPEC §7 (college_ratio, graduate_ratio, stem_ratio)
// and in the age rule of SPEC §2 (college graduates may be up to 24). This
// list is the one definition: the loader's validation asks IsCollege, and
// the models call the is_college macro, generated from it (collegeModel).
var collegeEducations = []string{"associate", "bachelor", "master", "doctor"}

// IsCollege tells whether an education code is 大专 or above.
func IsCollege(education string) bool { return slices.Contains(collegeEducations, education) }

// collegeModel is the is_college(education) macro the metric models use,
// installed before every model file.
func collegeModel() Model {
	quoted := make([]string, len(collegeEducations))
	for i, e := range collegeEducations {
		quoted[i] = "'" + e + "'"
	}
	list := strings.Join(quoted, ", ")
	return Model{Name: "000_is_college", SQL: fmt.Sprintf(`-- is_college(education): 大专 (associate degree) and above, generated from
-- sql/college.go, the one definition the loader's age rule also uses.
CREATE OR REPLACE MACRO is_college(education) AS coalesce(education IN (%s), false);
COMMENT ON MACRO is_college IS '大学生 (大专及以上): true for the education codes %s; false for any other code or NULL';
`, list, strings.Join(collegeEducations, ", "))}
}
