// Package validate turns the mapped cells of one extract row into the typed
// values the warehouse stores, or into the problems that reject it (SPEC §5).
// Rejects stop a row; flags keep it with a warning.
package validate

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"enlist/internal/config"
	"enlist/internal/idnum"
	"enlist/internal/regions"
	"enlist/internal/secret"
	"enlist/pipelines/mapping"
	enlistsql "enlist/sql"
)

// Reject reasons, stable codes stored in rejects.reason.
const (
	ReasonIDCheck      = "bad_id_check"
	ReasonIDLength     = "bad_id_length"
	ReasonIDChar       = "bad_id_char"
	ReasonIDBirth      = "bad_id_birth"
	ReasonDate         = "bad_date"
	ReasonImplausible  = "implausible_date"
	ReasonValue        = "bad_value"
	ReasonMissing      = "missing_value"
	ReasonNumber       = "bad_number"
	ReasonRegion       = "bad_region"
	ReasonDuplicate    = "duplicate"
	ReasonIDAsNumber   = "id_as_number"
	FlagAgeRule        = "age_rule"
	FlagIDRegion       = "id_region_unknown"
	FlagRegionUnknown  = "region_unknown"
	FlagBirthMismatch  = "birth_date_mismatch"
	FlagUnrecognised   = "unrecognised_value"
	FlagDateOrder      = "date_order"
	FlagGenderMismatch = "gender_mismatch"
)

// Problem is why a row is refused, for one column.
type Problem struct {
	Column string // canonical column
	Reason string
	Detail string
	Raw    string // already masked for personal columns
}

// Flag is a warning on a kept row.
type Flag struct {
	Flag   string
	Detail string
	// Field and Value name an unrecognised spelling (FlagUnrecognised), so
	// the load can list each spelling once with the line that teaches it.
	Field, Value string
}

// Constants are values the whole file shares, from the command line or the
// title, used where the file has no such column.
type Constants struct {
	Year     int
	Season   int
	ExamType string
	// Windows are the configured season windows, which give a dated row
	// its season when no column or flag does (config.SeasonOf); nil means
	// the built-in defaults.
	Windows map[int]config.Season
}

// Row is one accepted row.
type Row struct {
	// Values are the row's values for the kind's table, in the order of its
	// column list (mapping.KindSpec.Stored), which the loader names them by.
	// A person is a [16]byte pseudonym.
	Values   []any
	Key      Key
	Region   string // region_code where the kind has one
	Year     int
	Season   int
	ExamType string // exams only
	// School is a schools extract row's university code, which a duplicate
	// reject shows.
	School string
}

// Checker validates the rows of one file.
type Checker struct {
	kind    mapping.Kind
	stored  []string // the kind's column list
	vocab   *mapping.Vocabulary
	regions *regions.Table
	cols    map[string]int
	consts  Constants
	pseudo  *secret.Pseudonymiser
	// Dates outside [earliest, latest] are typing errors, not events.
	earliest, latest time.Time
	// codes remembers the code of each spelling met in a coded column.
	// A file repeats a few spellings a million times; looking each up
	// in the vocabulary (with its folding) and boxing the code anew cost
	// 0.3 CPU-s a million rows, about a tenth of the checks.
	codes map[spelling]any
	// slab is where rows' value lists are cut from, many rows to one
	// allocation (record).
	slab []any
}

// spelling is a value as a file writes it in a coded column.
type spelling struct{ field, raw string }

// maxSpellings bounds codes: a column of a million different values (a
// file of the wrong kind) is looked up each time rather than remembered.
const maxSpellings = 4096

// code is the vocabulary's code of raw in field, or nil when it has none.
func (c *Checker) code(field, raw string) any {
	k := spelling{field, raw}
	if v, ok := c.codes[k]; ok {
		return v
	}
	var v any
	if code, ok := c.vocab.Value(field, raw); ok {
		v = code
	}
	if len(c.codes) < maxSpellings {
		// The cells of a file share one buffer per row; the key must
		// not keep a row's buffer alive.
		c.codes[spelling{field, strings.Clone(raw)}] = v
	}
	return v
}

// NewChecker prepares the checks for a file of kind k with the mapped columns.
// A Checker remembers as it goes (its pseudonymiser, the codes of the
// spellings met): one goroutine uses it at a time.
func NewChecker(k mapping.Kind, vocab *mapping.Vocabulary, tab *regions.Table, cols map[string]int,
	consts Constants, key secret.Key, now time.Time) *Checker {
	if consts.Windows == nil {
		if def, err := config.Default(); err == nil {
			consts.Windows = def.Seasons
		}
	}
	spec, _ := mapping.Spec(k)
	return &Checker{
		kind: k, stored: spec.Stored, vocab: vocab, regions: tab, cols: cols, consts: consts,
		pseudo:   key.NewPseudonymiser(),
		codes:    map[spelling]any{},
		earliest: time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC),
		latest:   now.AddDate(1, 0, 0),
	}
}

// rowState gathers the problems and flags of one row while it is read.
type rowState struct {
	c        *Checker
	cells    []string
	problems []Problem
	flags    []Flag
}

func (r *rowState) raw(col string) string {
	i, ok := r.c.cols[col]
	if !ok || i >= len(r.cells) {
		return ""
	}
	return Unmark(r.cells[i])
}

// trim is strings.TrimSpace with a fast exit for the usual cell
// (mapping.TrimSpace).
func trim(s string) string { return mapping.TrimSpace(s) }

func (r *rowState) fail(col, reason, detail, raw string) {
	switch col {
	case "id_number":
		raw = idnum.Mask(raw)
	case "name":
		raw = idnum.MaskName(raw)
	}
	r.problems = append(r.problems, Problem{Column: col, Reason: reason, Detail: detail, Raw: raw})
}

func (r *rowState) flag(flag, detail string) {
	r.flags = append(r.flags, Flag{Flag: flag, Detail: detail})
}

func (r *rowState) person() (idnum.Number, [16]byte, bool) {
	s := r.raw("id_number")
	if s == "" {
		r.fail("id_number", ReasonMissing, "identity number is empty", s)
		return idnum.Number{}, [16]byte{}, false
	}
	n, err := idnum.Parse(s)
	if err != nil && IDAsNumber(s) {
		r.fail("id_number", ReasonIDAsNumber, "the identity number was stored as a number in Excel, which kept only "+
			"its first 15 digits; re-export the column as text (format the column as 文本/Text before export, "+
			"or export CSV from the source system)", s)
		return idnum.Number{}, [16]byte{}, false
	}
	if err != nil {
		reason := ReasonIDCheck
		switch {
		case errors.Is(err, idnum.ErrLength):
			reason = ReasonIDLength
		case errors.Is(err, idnum.ErrCharacter):
			reason = ReasonIDChar
		case errors.Is(err, idnum.ErrBirthDate):
			reason = ReasonIDBirth
		}
		r.fail("id_number", reason, err.Error(), s)
		return idnum.Number{}, [16]byte{}, false
	}
	if _, ok := r.c.regions.Lookup(n.County); !ok {
		r.flag(FlagIDRegion, "identity number county "+n.County+" is not in the division table")
	}
	return n, r.c.pseudo.Of(n.Normalised), true
}

// date reads a date column; a missing optional date is nil.
func (r *rowState) date(col string, required bool) any {
	s := r.raw(col)
	if s == "" {
		if required {
			r.fail(col, ReasonMissing, "date is empty", s)
		}
		return nil
	}
	t, err := ParseDate(FoldWidth(s))
	if err != nil {
		detail := "not a date; use a form like 2025-03-05"
		if twoDigitYear(s) {
			detail = "a two-digit year (25/7/3) could be any century; export the date with a four-digit year, like 2025-07-03"
		}
		r.fail(col, ReasonDate, detail, s)
		return nil
	}
	lo := r.c.earliest
	if col == "birth_date" {
		lo = time.Date(1940, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	if t.Before(lo) || t.After(r.c.latest) {
		r.fail(col, ReasonImplausible, fmt.Sprintf("date outside %d–%d", lo.Year(), r.c.latest.Year()), s)
		return nil
	}
	return t
}

// enum reads a column whose values come from values.csv. An unknown value
// rejects a required column and is flagged and left empty in an optional one.
func (r *rowState) enum(col string, required bool) any {
	s := r.raw(col)
	if s == "" {
		if required {
			r.fail(col, ReasonMissing, "value is empty", s)
		}
		return nil
	}
	code := r.c.code(col, s)
	if code == nil {
		if required {
			r.fail(col, ReasonValue, "value not recognised; to read it, add "+r.c.vocab.ValueLine(col, s), s)
		} else {
			r.flags = append(r.flags, Flag{Flag: FlagUnrecognised, Field: col, Value: s,
				Detail: fmt.Sprintf("%s value %q not recognised; stored empty", col, s)})
		}
		return nil
	}
	return code
}

func (r *rowState) boolean(col string) any {
	v := r.enum(col, false)
	if v == nil {
		return nil
	}
	return v.(string) == "true"
}

func (r *rowState) text(col string) any {
	if s := r.raw(col); s != "" {
		return s
	}
	return nil
}

func (r *rowState) number(col string, required bool) (float64, bool) {
	s := r.raw(col)
	if s == "" {
		if required {
			r.fail(col, ReasonMissing, "number is empty", s)
		}
		return 0, false
	}
	clean := strings.NewReplacer(",", "", "，", "", "元", "", "人", "", "年", "", " ", "").Replace(FoldWidth(s))
	f, err := strconv.ParseFloat(clean, 64)
	if err != nil || f < 0 {
		r.fail(col, ReasonNumber, "not a non-negative number", s)
		return 0, false
	}
	return f, true
}

// ratio accepts 0.7, 70%, and 70 (a percentage written without the sign).
func (r *rowState) ratio(col string) any {
	s := r.raw(col)
	if s == "" {
		return nil
	}
	s = FoldWidth(s)
	pct := strings.HasSuffix(s, "%")
	s = strings.TrimRight(s, "%")
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || f < 0 {
		r.fail(col, ReasonNumber, "not a ratio; use 0.7 or 70%", r.raw(col))
		return nil
	}
	if pct || f > 1 {
		f /= 100
	}
	if f > 1 {
		r.fail(col, ReasonNumber, "ratio above 100%", r.raw(col))
		return nil
	}
	return f
}

func (r *rowState) region(col string) string {
	s := r.raw(col)
	if s == "" {
		r.fail(col, ReasonMissing, "region code is empty", s)
		return ""
	}
	code := regions.NormaliseCode(FoldWidth(s))
	if code == "" {
		r.fail(col, ReasonRegion, "not a division code (2, 4, 6, 9 or 12 digits)", s)
		return ""
	}
	if _, ok := r.c.regions.Lookup(code[:2]); !ok {
		r.fail(col, ReasonRegion, "no such province "+code[:2], s)
		return ""
	}
	if _, ok := r.c.regions.Lookup(code); !ok {
		r.flag(FlagRegionUnknown, "region "+code+" is not in the division table; counted under its known parent")
	}
	return code
}

// yearSeason reads year and season from the row, else the file's constants,
// else from the date by the configured season windows — the rule the
// metrics and the bulletin use too, so a date lands in the same season at
// load and in the report.
func (r *rowState) yearSeason(date any) (int, int) {
	year, season := r.c.consts.Year, r.c.consts.Season
	if s := FoldWidth(r.raw("year")); s != "" {
		y, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSuffix(s, "年"), ".0"))
		if err != nil || y < 2000 || y > 2100 {
			r.fail("year", ReasonValue, "not a year", s)
			return 0, 0
		}
		year = y
	}
	if s := r.raw("season"); s != "" {
		code, ok := r.c.vocab.Value("season", s)
		if !ok {
			r.fail("season", ReasonValue, "season must be 1 (上半年) or 2 (下半年)", s)
			return 0, 0
		}
		season = int(code[0] - '0')
	}
	if t, ok := date.(time.Time); ok {
		if year == 0 {
			year = t.Year()
		}
		if season == 0 {
			season = config.SeasonOf(r.c.consts.Windows, t)
		}
	}
	return year, season
}

// Check validates one row. A row with problems is rejected as a whole.
func (c *Checker) Check(cells []string) (Row, []Problem, []Flag) {
	r := &rowState{c: c, cells: cells}
	var row Row
	switch c.kind {
	case mapping.Registrations:
		row = r.registration()
	case mapping.Exams:
		row = r.exam()
	case mapping.Approvals:
		row = r.approval()
	case mapping.Resettlement:
		row = r.resettlement()
	case mapping.Quotas:
		row = r.quota()
	case mapping.Regions:
		row = r.regionRow()
	case mapping.Schools:
		row = r.schoolRow()
	}
	if len(r.problems) > 0 {
		return Row{}, r.problems, nil
	}
	return row, nil, r.flags
}

func (r *rowState) registration() Row {
	n, person, okID := r.person()
	region := r.region("region_code")
	registered := r.date("registered_on", true)
	birth := r.date("birth_date", false)
	gender := r.enum("gender", false)
	education := r.enum("education", false)
	status := r.enum("student_status", false)
	major := r.enum("major_category", false)
	applied := r.boolean("applied")
	year, season := r.yearSeason(registered)
	if !okID || len(r.problems) > 0 {
		return Row{}
	}
	if b, ok := birth.(time.Time); ok && !b.Equal(n.Birth) {
		r.flag(FlagBirthMismatch, "出生日期 differs from the birth date in the identity number")
	}
	idGender := "female"
	if n.Male {
		idGender = "male"
	}
	if gender == nil {
		gender = idGender
	} else if gender != idGender {
		r.flag(FlagGenderMismatch, "性别 differs from the identity number")
	}
	// Age rule (SPEC §2): 18–22 in the year of enlistment, college graduates up to 24.
	age := year - n.Birth.Year()
	maxAge := 22
	// An unreadable education with a graduate status gets the graduates'
	// limit: a flag should mean the rule is broken, not that we cannot tell.
	if (education == nil || isCollege(education)) && (status == "fresh_graduate" || status == "past_graduate") {
		maxAge = 24
	}
	if age < 18 || age > maxAge {
		r.flag(FlagAgeRule, fmt.Sprintf("age %d in %d is outside 18–%d", age, year, maxAge))
	}
	return Row{
		Values: r.c.record().
			set("person", person).set("gender", gender).set("birth_year", int16(n.Birth.Year())).
			set("id_county", n.County).set("region_code", region).set("education", education).
			set("student_status", status).set("major_category", major).set("school", r.text("school")).
			set("ethnicity", r.text("ethnicity")).set("registered_on", registered).set("applied", applied).
			set("year", int32(year)).set("season", int8(season)).vals,
		// The same person in two regions of one season is a flag (two_regions),
		// not a duplicate; a duplicate repeats the region too.
		Key:    key(person, year, season, region),
		Region: region, Year: year, Season: season,
	}
}

// isCollege: 大专 and above, as the metrics count it (enlistsql.IsCollege,
// the one definition).
func isCollege(education any) bool {
	s, ok := education.(string)
	return ok && enlistsql.IsCollege(s)
}

func (r *rowState) exam() Row {
	_, person, okID := r.person()
	var examType any = r.c.consts.ExamType
	if r.raw("exam_type") != "" || r.c.consts.ExamType == "" {
		examType = r.enum("exam_type", true)
	}
	date := r.date("exam_date", true)
	passed := r.enum("result", true)
	year, season := r.yearSeason(date)
	if !okID || len(r.problems) > 0 {
		return Row{}
	}
	return Row{
		Values: r.c.record().
			set("person", person).set("exam_type", examType).set("exam_date", date).set("passed", passed == "pass").
			set("reason", r.text("reason")).set("station", r.text("station")).
			set("year", int32(year)).set("season", int8(season)).vals,
		Key:  key(person, examType.(string), date.(time.Time)),
		Year: year, Season: season,
		ExamType: examType.(string),
	}
}

func (r *rowState) approval() Row {
	_, person, okID := r.person()
	approved := r.date("approved_on", true)
	handover := r.date("handover_on", false)
	returned := r.date("returned_on", false)
	responsible := r.boolean("return_responsible")
	year, season := r.yearSeason(approved)
	if !okID || len(r.problems) > 0 {
		return Row{}
	}
	a := approved.(time.Time)
	if h, ok := handover.(time.Time); ok && h.Before(a) {
		r.flag(FlagDateOrder, "交接日期 before 批准日期")
	}
	if t, ok := returned.(time.Time); ok && t.Before(a) {
		r.flag(FlagDateOrder, "退兵日期 before 批准日期")
	}
	return Row{
		Values: r.c.record().
			set("person", person).set("approved_on", approved).set("year", int32(year)).set("season", int8(season)).
			set("branch", r.text("branch")).set("handover_on", handover).set("returned_on", returned).
			set("return_reason", r.text("return_reason")).set("return_responsible", responsible).vals,
		Key:  key(person, year, season),
		Year: year, Season: season,
	}
}

func (r *rowState) resettlement() Row {
	_, person, okID := r.person()
	region := r.region("region_code")
	discharged := r.date("discharged_on", true)
	service := r.enum("service_type", false)
	plan := r.enum("plan", true)
	placed := r.date("placed_on", false)
	paid := r.date("subsidy_paid_on", false)
	var contract, subsidy any
	if f, ok := r.number("contract_years", false); ok {
		contract = f
	}
	if f, ok := r.number("subsidy_amount", false); ok {
		subsidy = f
	}
	if !okID || len(r.problems) > 0 {
		return Row{}
	}
	d := discharged.(time.Time)
	if p, ok := placed.(time.Time); ok && p.Before(d) {
		r.flag(FlagDateOrder, "安置日期 before 退役日期")
	}
	return Row{
		Values: r.c.record().
			set("person", person).set("region_code", region).set("discharged_on", discharged).
			set("service_type", service).set("plan", plan).set("placed_on", placed).set("employer", r.text("employer")).
			set("contract_years", contract).set("subsidy_amount", subsidy).set("subsidy_paid_on", paid).vals,
		Key:    key(person, d),
		Region: region, Year: d.Year(),
	}
}

func (r *rowState) quota() Row {
	year, season := r.yearSeason(nil)
	if year == 0 && len(r.problems) == 0 {
		r.fail("year", ReasonMissing, "year is empty", "")
	}
	if season == 0 && len(r.problems) == 0 {
		r.fail("season", ReasonMissing, "season is empty", "")
	}
	region := r.region("region_code")
	q, okQ := r.number("quota", true)
	if okQ && q != float64(int64(q)) {
		r.fail("quota", ReasonNumber, "quota must be a whole number of persons", r.raw("quota"))
	}
	college := r.ratio("college_target")
	graduate := r.ratio("graduate_target")
	school := schoolCode(r.raw("school_code"))
	// A quota's track (男兵, 女兵) decides whose quota it is, so a spelling
	// not understood refuses the row rather than making a women's quota
	// the men's.
	var track any
	if r.raw("track") != "" {
		track = r.enum("track", true)
	}
	if len(r.problems) > 0 {
		return Row{}
	}
	trackKey := "male"
	if track != nil {
		trackKey = track.(string)
	}
	var schoolVal any
	if school != "" {
		schoolVal = school
	}
	return Row{
		Values: r.c.record().
			set("year", int32(year)).set("season", int8(season)).set("region_code", region).set("quota", int32(q)).
			set("college_target", college).set("graduate_target", graduate).set("school_code", schoolVal).set("track", track).vals,
		// A university's quota and its county's are two rows of one file,
		// and so are a region's male and female quotas.
		Key:    key([16]byte{}, year, season, region, school, trackKey),
		Region: region, Year: year, Season: season,
	}
}

func (r *rowState) regionRow() Row {
	s := r.raw("region_code")
	code := regions.NormaliseCode(s)
	if code == "" {
		r.fail("region_code", ReasonRegion, "not a division code", s)
	}
	name := r.raw("name_of_region")
	if name == "" {
		r.fail("name_of_region", ReasonMissing, "region name is empty", name)
	}
	if len(r.problems) > 0 {
		return Row{}
	}
	var parent any
	if p := regions.Parent(code); p != "" {
		parent = p
	}
	return Row{Values: r.c.record().set("code", code).set("name", name).set("level", int8(regions.LevelOf(code))).
		set("parent_code", parent).vals, Key: key([16]byte{}, code), Region: code}
}

// schoolRow is one university of a schools extract: its code, its name, the
// region it sits in, and optionally its student count and other spellings.
func (r *rowState) schoolRow() Row {
	code := schoolCode(r.raw("school_code"))
	if code == "" {
		r.fail("school_code", ReasonMissing, "院校代码 is empty", "")
	}
	name := r.raw("school")
	if name == "" {
		r.fail("school", ReasonMissing, "院校名称 is empty", "")
	}
	region := r.region("region_code")
	var students any
	if s := r.raw("students"); s != "" {
		n, ok := r.number("students", false)
		if ok && n != float64(int64(n)) {
			r.fail("students", ReasonNumber, "在校生人数 must be a whole number", s)
		}
		students = int32(n)
	}
	if len(r.problems) > 0 {
		return Row{}
	}
	return Row{Values: r.c.record().set("school_code", code).set("name", name).set("region_code", region).
		set("students", students).set("aliases", r.text("school_aliases")).vals, Key: key([16]byte{}, code), Region: region, School: code}
}

// schoolCode is a university code as written, with spreadsheet marks and
// full-width digits undone (院校代码 10459, ＂10459＂, ＝"10459").
func schoolCode(s string) string {
	return strings.ToUpper(strings.Join(strings.Fields(FoldWidth(s)), ""))
}

// record lays a checked row's values out by column name, in the order of
// the kind's column list: that list, not the order of the calls here,
// decides where a value goes.
type record struct {
	cols []string
	vals []any
	next int
}

func (c *Checker) record() *record {
	n := len(c.stored)
	if len(c.slab) < n {
		c.slab = make([]any, 256*n)
	}
	// Capped, so no row's list can grow into the next one's.
	vals := c.slab[:n:n]
	c.slab = c.slab[n:]
	return &record{cols: c.stored, vals: vals}
}

// set puts v in col's place. The calls usually come in the list's order,
// so the place is found by one comparison.
func (r *record) set(col string, v any) *record {
	i := r.next
	if i >= len(r.cols) || r.cols[i] != col {
		if i = slices.Index(r.cols, col); i < 0 {
			// A column validation fills and the kind's table lacks: a
			// programming error every test of the kind meets.
			panic("validate: column " + col + " is not in the kind's column list (pipelines/mapping/kinds.go)")
		}
	}
	r.vals[i] = v
	r.next = i + 1
	return r
}

// Key identifies the record a row holds: two rows of one file with equal
// keys are the same record (a duplicate). It is a fixed-size array, not a
// string, because it is made for every row: a string a row was a million
// allocations per million rows. The loader keeps a 16-byte hash of it for
// every record of a file (load.keyHash).
type Key [keyBytes]byte

// keyBytes holds every kind's fields (person 16 bytes, and year, season and
// a 12-digit region, or an exam type and a date) with room to spare; the
// last byte is the length.
const keyBytes = 48

// key joins the fields that make two rows the same record: the person, then
// each field after a 0 byte. It is built by hand because it runs for every
// row of million-row files.
func key(person [16]byte, rest ...any) Key {
	b := make([]byte, 0, 2*keyBytes)
	b = append(b, person[:]...)
	for _, r := range rest {
		b = append(b, 0)
		switch v := r.(type) {
		case string:
			b = append(b, v...)
		case int:
			b = strconv.AppendInt(b, int64(v), 10)
		case time.Time:
			b = v.AppendFormat(b, time.DateOnly)
		default:
			panic(fmt.Sprintf("validate: key of a %T", r))
		}
	}
	var k Key
	if len(b) < keyBytes {
		copy(k[:], b)
		k[keyBytes-1] = byte(len(b))
		return k
	}
	// Longer than a key holds (no kind's fields are): its SHA-256, marked
	// by a length no short key has.
	sum := sha256.Sum256(b)
	copy(k[:], sum[:])
	k[keyBytes-1] = 0xFF
	return k
}
