package synth

import (
	"math"
	"math/rand/v2"
	"sort"
)

// File shapes.
const (
	formatCSV  = "csv"
	formatXLSX = "xlsx"

	encUTF8    = "utf-8"
	encBOM     = "utf-8-bom"
	encGB18030 = "gb18030"

	datesISO     = "iso"          // 2025-03-05
	datesSlash   = "slash"        // 2025/3/5
	datesChinese = "chinese"      // 2025年3月5日
	datesCompact = "compact"      // 20250305
	datesExcel   = "excel_date"   // a real date cell
	datesSerial  = "excel_serial" // a bare serial number such as 45721
)

// variant is how one file is shaped and spelled.
type variant struct {
	format, encoding string
	headers, values  string
	results, dates   string
	title, twoRow    bool
	total, footer    bool
	noExamType       bool

	headerNames []string // chosen header per column, in file order
	spell       *speller
}

func cleanVariant() variant {
	return variant{
		format: formatCSV, encoding: encUTF8,
		headers: headersCanonical, values: valuesCanonical,
		results: resultsCanonical, dates: datesISO,
	}
}

func xlsxEligible(p *filePlan) bool {
	return p.Kind != kindQuotas && p.expRows <= xlsxMaxRows
}

func pickString(rng *rand.Rand, s ...string) string { return s[rng.IntN(len(s))] }

// messUp shapes a Messy share of the files at random, then makes sure every
// shape the ingest must handle (SPEC §4) occurs at least once.
func (g *generator) messUp(rng *rand.Rand) {
	n := len(g.plans)
	order := rng.Perm(n)
	k := int(math.Ceil(g.opt.Messy * float64(n)))
	xlsxCap := max(1, n/5)
	xlsxCount := 0
	messy := make([]bool, n)
	for _, i := range order[:k] {
		p := g.plans[i]
		messy[i] = true
		v := &p.v
		if xlsxEligible(p) && xlsxCount < xlsxCap && rng.Float64() < 0.5 {
			v.format, v.encoding = formatXLSX, ""
			xlsxCount++
			v.title = rng.Float64() < 0.8
			v.twoRow = rng.Float64() < 0.4
			v.total = rng.Float64() < 0.5
			v.footer = rng.Float64() < 0.5
			v.noExamType = v.title && impliedTypeAllowed(p) && rng.Float64() < 0.5
		} else {
			v.encoding = pickString(rng, encUTF8, encBOM, encGB18030)
		}
		v.headers = pickString(rng, headersCanonical, headersAlternative, headersEnglish)
		v.values = pickString(rng, valuesCanonical, valuesAlternative)
		if v.headers == headersEnglish && rng.Float64() < 0.5 {
			v.values = valuesEnglish
		}
		if p.Kind == kindExams {
			v.results = pickString(rng, resultsCanonical, resultsPassed, resultsYesNo)
			if v.values == valuesEnglish {
				v.results = resultsEnglish
			}
		}
		if p.Kind != kindQuotas {
			if v.format == formatXLSX {
				v.dates = pickString(rng, datesISO, datesSlash, datesChinese, datesCompact, datesExcel, datesExcel, datesSerial)
			} else {
				v.dates = pickString(rng, datesISO, datesSlash, datesChinese, datesCompact)
			}
		}
	}
	g.coverShapes(order, messy)
}

// A title is what lets an exams sheet drop its exam_type column; only the
// physical and political titles are unambiguous (SPEC §4).
func impliedTypeAllowed(p *filePlan) bool {
	return p.Kind == kindExams && (p.ExamType == examPhysical || p.ExamType == examPolitical)
}

// shape is one file shape that must occur when Messy > 0. attr names the
// variant attribute it overwrites (so a file that is the only holder of
// another required value is left alone); xlsx shapes convert a CSV file.
type shape struct {
	attr  string
	value string
	xlsx  bool
	fits  func(p *filePlan) bool
	has   func(v *variant) bool
	set   func(v *variant)
}

func attrOf(v *variant, attr string) string {
	switch attr {
	case "encoding":
		return v.encoding
	case "headers":
		return v.headers
	case "values":
		return v.values
	case "results":
		return v.results
	case "dates":
		return v.dates
	}
	return ""
}

func requiredShapes() []shape {
	all := func(*filePlan) bool { return true }
	dated := func(p *filePlan) bool { return p.Kind != kindQuotas }
	boolShape := func(has func(v *variant) bool, set func(v *variant), fits func(p *filePlan) bool) shape {
		return shape{xlsx: true, fits: fits, has: has, set: set}
	}
	attrShape := func(attr, value string, xlsx bool, fits func(p *filePlan) bool) shape {
		s := shape{attr: attr, value: value, xlsx: xlsx, fits: fits}
		s.has = func(v *variant) bool { return attrOf(v, attr) == value }
		s.set = func(v *variant) {
			switch attr {
			case "encoding":
				v.encoding = value
			case "headers":
				v.headers = value
			case "values":
				v.values = value
			case "results":
				v.results = value
			case "dates":
				v.dates = value
			}
		}
		return s
	}
	csvOnly := func(p *filePlan) bool { return p.v.format == formatCSV }
	exams := func(p *filePlan) bool { return p.Kind == kindExams && p.v.values != valuesEnglish }
	chinese := func(p *filePlan) bool { return p.v.values == valuesCanonical }
	// Order matters: shapes that convert a file to XLSX come first, so a
	// later CSV-only shape is never undone.
	return []shape{
		boolShape(func(v *variant) bool { return v.noExamType },
			func(v *variant) { v.noExamType, v.title = true, true }, impliedTypeAllowed),
		boolShape(func(v *variant) bool { return v.twoRow }, func(v *variant) { v.twoRow = true }, dated),
		boolShape(func(v *variant) bool { return v.total }, func(v *variant) { v.total = true }, dated),
		boolShape(func(v *variant) bool { return v.footer }, func(v *variant) { v.footer = true }, dated),
		boolShape(func(v *variant) bool { return v.title }, func(v *variant) { v.title = true }, dated),
		attrShape("dates", datesExcel, true, dated),
		attrShape("dates", datesSerial, true, dated),
		attrShape("encoding", encGB18030, false, csvOnly),
		attrShape("encoding", encBOM, false, csvOnly),
		attrShape("headers", headersAlternative, false, all),
		attrShape("headers", headersEnglish, false, all),
		attrShape("dates", datesSlash, false, dated),
		attrShape("dates", datesChinese, false, dated),
		attrShape("dates", datesCompact, false, dated),
		attrShape("results", resultsPassed, false, exams),
		attrShape("results", resultsYesNo, false, exams),
		attrShape("values", valuesAlternative, false, chinese),
	}
}

func (g *generator) coverShapes(order []int, messy []bool) {
	shapes := requiredShapes()
	needed := map[string]map[string]bool{}
	for _, s := range shapes {
		if s.attr != "" {
			if needed[s.attr] == nil {
				needed[s.attr] = map[string]bool{}
			}
			needed[s.attr][s.value] = true
		}
	}
	// Candidates: messy files already in XLSX, then other messy files, then
	// clean files, each group in the shuffled order, smaller files first
	// among those that would be converted.
	cands := make([]int, 0, len(order))
	for pass := 0; pass < 3; pass++ {
		for _, i := range order {
			x := g.plans[i].v.format == formatXLSX
			if (pass == 0 && messy[i] && x) || (pass == 1 && messy[i] && !x) || (pass == 2 && !messy[i]) {
				cands = append(cands, i)
			}
		}
	}
	for _, s := range shapes {
		present := false
		for _, p := range g.plans {
			if s.has(&p.v) {
				present = true
				break
			}
		}
		if present {
			continue
		}
		pick := -1
		for _, i := range cands {
			p := g.plans[i]
			if !s.fits(p) || (s.xlsx && !xlsxEligible(p)) {
				continue
			}
			if s.attr != "" {
				cur := attrOf(&p.v, s.attr)
				if needed[s.attr][cur] && g.countAttr(s.attr, cur) == 1 {
					continue // the only file showing another required shape
				}
			}
			pick = i
			break
		}
		if pick < 0 {
			continue // too few files of the right kind; the manifest tells
		}
		v := &g.plans[pick].v
		if s.xlsx && v.format != formatXLSX {
			v.format, v.encoding = formatXLSX, ""
		}
		s.set(v)
		if v.noExamType {
			v.title = true
		}
		if g.plans[pick].Kind == kindExams && v.values == valuesEnglish {
			v.results = resultsEnglish
		}
	}
}

func (g *generator) countAttr(attr, value string) int {
	n := 0
	for _, p := range g.plans {
		if attrOf(&p.v, attr) == value {
			n++
		}
	}
	return n
}

// speller turns enumeration codes into the file's spellings.
type speller struct {
	vals   [nEnumFields]map[string]string
	values string
}

func newSpeller(v *variant, rng *rand.Rand) *speller {
	s := &speller{values: v.values}
	for f := enumField(0); f < nEnumFields; f++ {
		m := map[string]string{}
		for code, word := range canonicalValues[f] {
			m[code] = word
		}
		switch v.values {
		case valuesEnglish:
			for code := range m {
				m[code] = code
			}
			for code, word := range englishValues[f] {
				m[code] = word
			}
		case valuesAlternative:
			alts := alternativeValues[f]
			codes := make([]string, 0, len(alts))
			for code := range alts {
				codes = append(codes, code)
			}
			sort.Strings(codes)
			paired := -1
			for _, code := range codes {
				choices := alts[code]
				k := rng.IntN(len(choices))
				if pairedFields[f] {
					if paired < 0 {
						paired = k
					}
					k = paired % len(choices)
				}
				m[code] = choices[k]
			}
		}
		s.vals[f] = m
	}
	pair := resultSpellings[v.results]
	if v.results == "" {
		pair = resultSpellings[resultsCanonical]
	}
	s.vals[fResult] = map[string]string{"pass": pair[0], "fail": pair[1]}
	return s
}

func (s *speller) spell(f enumField, code string) string {
	if code == "" {
		return ""
	}
	if f == fMajor {
		return majorSpelling(s.values, code)
	}
	if w, ok := s.vals[f][code]; ok {
		return w
	}
	return code
}
