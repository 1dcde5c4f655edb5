package mapping

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Kind is what an extract holds.
type Kind string

const (
	Quotas        Kind = "quotas"
	Registrations Kind = "registrations"
	Exams         Kind = "exams"
	Approvals     Kind = "approvals"
	Resettlement  Kind = "resettlement"
	Regions       Kind = "regions"
	// Schools lists universities as recruiting units (高校征兵工作站): their
	// code, name, the county they sit in, their student count and other
	// spellings. It adds to and overrides the built-in list
	// (internal/schools/data), as regions extracts override the division table.
	Schools Kind = "schools"
)

// KindSpec lists a kind's columns (SPEC §4): those of its files, and those
// of the warehouse table its rows fill.
type KindSpec struct {
	Kind     Kind
	Label    string   // 中文 name used in messages and reports
	Required []string // canonical columns a file must have
	Optional []string
	// Constants are required columns a file may leave out when the value is
	// the same for the whole file and given on the command line or in its title.
	Constants []string
	// Table is the warehouse table the kind's rows fill.
	Table string
	// Stored names the table's columns a checked row fills, in the order
	// validation hands its values over (validate.Row.Values); the loader
	// writes them by these names, with load_id and source_row before them
	// (the regions table has neither, and its source after them).
	Stored []string
	// Reference marks the division table: loaded before every other kind,
	// and neither rolled up nor exported (each warehouse keeps its own).
	Reference bool
}

// kinds lists every extract kind, the data kinds in the order the loader
// takes them (exams and approvals find their region through
// registrations), the reference kind last.
var kinds = []KindSpec{
	// A quota row with a school_code is a university's own quota (高校征集任务),
	// kept apart from the region's (see sql/README.md, 高校).
	{Kind: Quotas, Label: "征集任务",
		Required:  []string{"year", "season", "region_code", "quota"},
		Optional:  []string{"college_target", "graduate_target", "school_code", "track"},
		Constants: []string{"year", "season"},
		Table:     "quotas",
		Stored:    []string{"year", "season", "region_code", "quota", "college_target", "graduate_target", "school_code", "track"}},
	{Kind: Registrations, Label: "兵役登记",
		Required: []string{"id_number", "region_code", "registered_on"},
		Optional: []string{"name", "gender", "birth_date", "education", "student_status", "major_category",
			"school", "ethnicity", "applied", "year", "season"},
		Table: "registrations",
		Stored: []string{"person", "gender", "birth_year", "id_county", "region_code", "education", "student_status",
			"major_category", "school", "ethnicity", "registered_on", "applied", "year", "season"}},
	{Kind: Exams, Label: "体检政考",
		Required:  []string{"id_number", "exam_type", "exam_date", "result"},
		Optional:  []string{"name", "reason", "station", "year", "season"},
		Constants: []string{"exam_type"},
		Table:     "exams",
		Stored:    []string{"person", "exam_type", "exam_date", "passed", "reason", "station", "year", "season"}},
	{Kind: Approvals, Label: "定兵",
		Required: []string{"id_number", "approved_on"},
		Optional: []string{"name", "year", "season", "branch", "handover_on", "returned_on", "return_reason", "return_responsible"},
		Table:    "approvals",
		Stored: []string{"person", "approved_on", "year", "season", "branch", "handover_on", "returned_on",
			"return_reason", "return_responsible"}},
	{Kind: Resettlement, Label: "退役安置",
		Required: []string{"id_number", "region_code", "discharged_on", "plan"},
		Optional: []string{"name", "service_type", "placed_on", "employer", "contract_years", "subsidy_amount", "subsidy_paid_on"},
		Table:    "resettlement",
		Stored: []string{"person", "region_code", "discharged_on", "service_type", "plan", "placed_on", "employer",
			"contract_years", "subsidy_amount", "subsidy_paid_on"}},
	{Kind: Schools, Label: "高校",
		Required: []string{"school_code", "school", "region_code"},
		Optional: []string{"students", "school_aliases"},
		Table:    "schools",
		Stored:   []string{"school_code", "name", "region_code", "students", "aliases"}},
	{Kind: Regions, Label: "区划",
		Required:  []string{"region_code", "name_of_region"},
		Table:     "regions",
		Stored:    []string{"code", "name", "level", "parent_code"},
		Reference: true},
}

// Spec returns the spec of a kind.
func Spec(k Kind) (KindSpec, bool) {
	for _, s := range kinds {
		if s.Kind == k {
			return s, true
		}
	}
	return KindSpec{}, false
}

// DataKinds lists the kinds of the office's data, in loading order: all but
// the reference kind. A rollup carries them and an export writes them.
func DataKinds() []Kind {
	var out []Kind
	for _, s := range kinds {
		if !s.Reference {
			out = append(out, s.Kind)
		}
	}
	return out
}

// LoadOrder ranks k among the kinds a load takes: the reference kind
// first, then the data kinds in the order of the list; an unknown kind last.
func LoadOrder(k Kind) int {
	for i, s := range kinds {
		if s.Kind == k {
			if s.Reference {
				return 0
			}
			return i + 1
		}
	}
	return len(kinds) + 1
}

// KindNames lists the kinds for help texts.
func KindNames() []string {
	var out []string
	for _, s := range kinds {
		out = append(out, string(s.Kind))
	}
	return out
}

// has reports whether the spec knows the column.
func (s KindSpec) has(col string) bool {
	for _, c := range s.Required {
		if c == col {
			return true
		}
	}
	for _, c := range s.Optional {
		if c == col {
			return true
		}
	}
	return false
}

// isConstant reports whether a required column may come from outside the file.
func (s KindSpec) isConstant(col string) bool {
	for _, c := range s.Constants {
		if c == col {
			return true
		}
	}
	return false
}

// Missing lists required columns absent from cols, leaving out those the
// caller can supply as constants.
func (s KindSpec) Missing(cols map[string]int, supplied map[string]bool) []string {
	var out []string
	for _, c := range s.Required {
		if _, ok := cols[c]; ok {
			continue
		}
		if s.isConstant(c) && supplied[c] {
			continue
		}
		out = append(out, c)
	}
	return out
}

// DetectKind chooses the kind whose required columns the file has (a
// constant column counts as present if the title or command line supplies
// it), preferring the one that explains most of the file's columns; the
// title breaks ties.
func DetectKind(cols map[string]int, hints TitleHints) (Kind, error) {
	type cand struct {
		kind  Kind
		score int
	}
	var cands []cand
	for _, s := range kinds {
		supplied := map[string]bool{}
		for _, c := range s.Constants {
			supplied[c] = true // assume the constant can be had; checked later with a precise message
		}
		if len(s.Missing(cols, supplied)) > 0 {
			continue
		}
		score := 0
		for c := range cols {
			if s.has(c) {
				score += 2
			} else {
				score-- // a column the kind does not know is evidence against it
			}
		}
		if hints.Kind == s.Kind {
			score++
		}
		cands = append(cands, cand{s.Kind, score})
	}
	if len(cands) == 0 {
		if hints.Kind != "" {
			return hints.Kind, nil // the caller reports the missing columns for the kind the title names
		}
		return "", fmt.Errorf("cannot tell the kind of extract from its columns; give --kind (%s)", strings.Join(KindNames(), ", "))
	}
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].score > cands[j].score })
	if len(cands) > 1 && cands[0].score == cands[1].score {
		return "", fmt.Errorf("the columns fit both %s and %s; give --kind", cands[0].kind, cands[1].kind)
	}
	return cands[0].kind, nil
}

// TitleHints is what a title line like 「郑州市2025年上半年征兵体检结果汇总表」 says.
type TitleHints struct {
	Kind     Kind
	ExamType string
	Year     int
	Season   int
}

var (
	yearRe   = regexp.MustCompile(`(20\d\d)\s*年`)
	seasonRe = []struct {
		re     *regexp.Regexp
		season int
	}{
		{regexp.MustCompile(`上半年|春季`), 1},
		{regexp.MustCompile(`下半年|秋季`), 2},
	}
	titleKinds = []struct {
		re       *regexp.Regexp
		kind     Kind
		examType string
	}{
		// Order matters: 体检 before 登记, since a health-check title may
		// mention registration as well.
		{regexp.MustCompile(`体检|体格检查`), Exams, "physical"},
		{regexp.MustCompile(`政治考核|政考`), Exams, "political"},
		{regexp.MustCompile(`役前`), Exams, "pretraining"},
		{regexp.MustCompile(`定兵|批准入伍|审批|交接|退兵`), Approvals, ""},
		{regexp.MustCompile(`安置`), Resettlement, ""},
		{regexp.MustCompile(`任务`), Quotas, ""},
		{regexp.MustCompile(`登记|报名`), Registrations, ""},
	}
)

// ReadTitle extracts hints from title lines above a header.
func ReadTitle(title string) TitleHints {
	var h TitleHints
	if m := yearRe.FindStringSubmatch(title); m != nil {
		h.Year, _ = strconv.Atoi(m[1])
	}
	for _, s := range seasonRe {
		if s.re.MatchString(title) {
			h.Season = s.season
			break
		}
	}
	for _, k := range titleKinds {
		if k.re.MatchString(title) {
			h.Kind, h.ExamType = k.kind, k.examType
			break
		}
	}
	return h
}
