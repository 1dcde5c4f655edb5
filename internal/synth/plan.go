package synth

import (
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"sort"
	"strings"

	"enlist/internal/regions"
)

// county holds what differs from county to county: size, and the rates that
// make the bulletin's rankings interesting (SPEC §7 compares siblings).
type county struct {
	code, name string
	city       int
	towns      []string

	weight        float64
	applyRate     float64 // share of registrations that apply (≈20–30 %)
	physPass      float64 // physical pass rate (≈60–80 %)
	collegeShare  float64 // share of registrations with education ≥ 大专
	stemShare     float64 // STEM share among college majors
	collegeTarget float64 // share of approvals that go to college people (≈60–90 %)
	quotaFactor   [2]float64
	collegeGoal   float64 // college_target written in the quota row
	graduateGoal  float64

	regs     [2]int // clean registrations by season
	approved [2]int // clean approvals by season, known after generation
	// femaleQuota: the county sets a quota for women recruits (女兵), as
	// most do; femaleApproved are the women among approved.
	femaleQuota    bool
	femaleApproved [2]int
}

type city struct {
	code, name string
	short      string // for school names: 郑州 of 郑州市
	title      string // how the city names itself in a title row
	counties   []int
}

type generator struct {
	opt      Options
	progress func(done, total int)
	done     int

	provName, provShort string
	minorities          []peopleShare // the province's ethnic minorities and their shares
	counties            []county
	cities              []city
	ids                 *idAllocator
	seasons             [2]seasonDates

	plans []*filePlan
	byKey map[string]*filePlan

	// twoRegionPool holds unused non-applicants of the previous city, by
	// season, to register again in the next city.
	twoRegionPool [2][]person

	// unis are the province's universities (schools.go), uniByName finds one
	// by the name a registration gives.
	unis      []university
	uniByName map[string]int

	totals   [2]Totals
	people   int
	veterans int
}

func newGenerator(opt Options, tab *regions.Table, progress func(done, total int)) (*generator, error) {
	g := &generator{opt: opt, progress: progress, byKey: map[string]*filePlan{}}
	g.provName = tab.Name(opt.Province)
	g.provShort = shortName(g.provName)
	rng := unitRNG(opt.Seed, "plan")

	for _, cityCode := range tab.Children(opt.Province) {
		c := city{code: cityCode, name: tab.Name(cityCode)}
		for _, cc := range tab.Children(cityCode) {
			if regions.LevelOf(cc) != regions.County {
				continue
			}
			towns := tab.Children(cc)
			if len(towns) == 0 {
				continue // nobody can register in a county without towns
			}
			c.counties = append(c.counties, len(g.counties))
			g.counties = append(g.counties, county{code: cc, name: tab.Name(cc), city: len(g.cities), towns: towns})
		}
		if len(c.counties) == 0 {
			continue
		}
		c.title, c.short = g.cityNames(c)
		g.cities = append(g.cities, c)
	}
	if len(g.counties) == 0 {
		return nil, fmt.Errorf("%w: province %s has no county with towns", ErrOptions, opt.Province)
	}

	for i := range g.counties {
		c := &g.counties[i]
		c.weight = 0.4 + 1.2*rng.Float64()
		c.applyRate = 0.20 + 0.10*rng.Float64()
		c.physPass = 0.60 + 0.20*rng.Float64()
		c.collegeShare = 0.40 + 0.25*rng.Float64()
		c.stemShare = 0.40 + 0.20*rng.Float64()
		c.collegeTarget = 0.60 + 0.30*rng.Float64()
		c.quotaFactor = [2]float64{0.90 + 0.15*rng.Float64(), 0.90 + 0.15*rng.Float64()}
		c.collegeGoal = []float64{0.6, 0.65, 0.7, 0.75}[rng.IntN(4)]
		c.graduateGoal = []float64{0.4, 0.45, 0.5}[rng.IntN(3)]
		// Four counties in five set a female quota; by position, so the
		// draws above stay those of a province without one.
		c.femaleQuota = i%5 != 2
	}
	g.minorities = minorityShares(opt.Province)
	// Spring takes about 45 % of the year, like its quota (SPEC §2).
	spring := int(math.Round(0.45 * float64(opt.Registrations)))
	weights := make([]float64, len(g.counties))
	for i, c := range g.counties {
		weights[i] = c.weight
	}
	for s, n := range []int{spring, opt.Registrations - spring} {
		for i, v := range allocate(n, weights) {
			g.counties[i].regs[s] = v
		}
	}

	g.unis = g.universities()
	g.uniByName = map[string]int{}
	for i, u := range g.unis {
		g.uniByName[u.name] = i
	}
	g.ids = newIDAllocator(g.counties, opt.Year)
	g.seasons = [2]seasonDates{springDates(opt.Year), autumnDates(opt.Year)}
	g.planFiles(rng)
	return g, nil
}

// cityNames: 市辖区 (Beijing, Shanghai) and 省直辖县级行政区划 are not names
// anyone prints in a title; the province or the lone county stands in.
func (g *generator) cityNames(c city) (title, short string) {
	name := c.name
	if name == "市辖区" || strings.Contains(name, "直辖") {
		if len(c.counties) == 1 {
			return g.counties[c.counties[0]].name, shortName(g.counties[c.counties[0]].name)
		}
		return g.provName, g.provShort
	}
	return name, shortName(name)
}

func shortName(name string) string {
	for _, suffix := range []string{"维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "特别行政区", "自治州", "地区", "省", "市", "盟", "县", "区"} {
		if s := strings.TrimSuffix(name, suffix); s != name && len([]rune(s)) >= 2 {
			return s
		}
	}
	return name
}

// allocate splits total by weight with the largest-remainder method, so the
// parts add up exactly and the split does not depend on map order.
func allocate(total int, weights []float64) []int {
	out := make([]int, len(weights))
	sum := 0.0
	for _, w := range weights {
		sum += w
	}
	if sum == 0 || total == 0 {
		return out
	}
	type rem struct {
		i int
		r float64
	}
	rems := make([]rem, len(weights))
	given := 0
	for i, w := range weights {
		exact := float64(total) * w / sum
		out[i] = int(exact)
		given += out[i]
		rems[i] = rem{i, exact - float64(out[i])}
	}
	sort.SliceStable(rems, func(a, b int) bool { return rems[a].r > rems[b].r })
	for k := 0; given < total; k++ {
		out[rems[k%len(rems)].i]++
		given++
	}
	return out
}

// unitRNG gives every unit of work (a city and season, a city's veterans) its
// own stream, derived from the seed and the unit's name.
func unitRNG(seed int64, parts ...string) *rand.Rand {
	h := fnv.New64a()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return rand.New(rand.NewPCG(uint64(seed), h.Sum64()))
}

// filePlan is one file before and while it is written.
type filePlan struct {
	File
	city    int
	season  int
	expRows int // expected clean rows, to keep XLSX to the small files
	v       variant
	// designated files carry at least one of each defect their kind can
	// have, so every defect kind shows up whenever Messy > 0.
	designated bool
}

func planKey(kind string, cityCode string, season int, examType string) string {
	return fmt.Sprintf("%s/%s/%d/%s", kind, cityCode, season, examType)
}

func (g *generator) plan(kind, cityCode string, season int, examType string) *filePlan {
	return g.byKey[planKey(kind, cityCode, season, examType)]
}

// Columns of each kind in file order (canonical names, SPEC §4).
var kindColumns = map[string][]string{
	kindQuotas:        {"year", "season", "region_code", "name_of_region", "track", "quota", "college_target", "graduate_target"},
	kindRegistrations: {"id_number", "name", "gender", "birth_date", "ethnicity", "region_code", "education", "student_status", "major_category", "school", "registered_on", "applied", "year", "season"},
	kindExams:         {"id_number", "exam_type", "exam_date", "result", "reason", "station"},
	kindApprovals:     {"id_number", "year", "season", "approved_on", "branch", "handover_on", "returned_on", "return_reason", "return_responsible"},
	kindResettlement:  {"id_number", "region_code", "service_type", "discharged_on", "plan", "placed_on", "employer", "contract_years", "subsidy_amount", "subsidy_paid_on"},
	kindSchools:       {"school_code", "school", "region_code", "students", "school_aliases"},
}

// xlsxMaxRows keeps XLSX to the small files: it is slow to write and read.
const xlsxMaxRows = 20000

func (g *generator) planFiles(rng *rand.Rand) {
	y := g.opt.Year
	add := func(p *filePlan) {
		p.Year = y
		p.Defects = map[string]int{}
		g.plans = append(g.plans, p)
		g.byKey[planKey(p.Kind, p.Region, p.Season, p.ExamType)] = p
	}
	add(&filePlan{File: File{Path: fmt.Sprintf("quotas/%s_%d.csv", g.opt.Province, y), Kind: kindQuotas, Region: g.opt.Province}})
	for ci, c := range g.cities {
		regs := [2]int{}
		for _, k := range c.counties {
			regs[0] += g.counties[k].regs[0]
			regs[1] += g.counties[k].regs[1]
		}
		for s := 1; s <= 2; s++ {
			r := regs[s-1]
			base := fmt.Sprintf("%s_%d_s%d", c.code, y, s)
			add(&filePlan{File: File{Path: "registrations/" + base + ".csv", Kind: kindRegistrations, Region: c.code, Season: s}, city: ci, season: s, expRows: r})
			for _, et := range []struct {
				typ   string
				share float64
			}{{examPhysical, 0.19}, {examPolitical, 0.13}, {examPretraining, 0.06}} {
				add(&filePlan{File: File{Path: "exams/" + base + "_" + et.typ + ".csv", Kind: kindExams, ExamType: et.typ, Region: c.code, Season: s}, city: ci, season: s, expRows: int(et.share * float64(r))})
			}
			add(&filePlan{File: File{Path: "approvals/" + base + ".csv", Kind: kindApprovals, Region: c.code, Season: s}, city: ci, season: s, expRows: int(0.05 * float64(r))})
		}
		add(&filePlan{File: File{Path: "resettlement/" + c.code + ".csv", Kind: kindResettlement, Region: c.code}, city: ci, expRows: int(0.06 * float64(regs[0]+regs[1]))})
	}

	for _, p := range g.plans {
		p.v = cleanVariant()
	}
	if g.opt.Messy > 0 {
		g.messUp(rng)
		// Designated files: the first city for most kinds; registrations of
		// the second city, because a second registration needs a first one
		// in an earlier city.
		regCity := 0
		if len(g.cities) > 1 {
			regCity = 1
		}
		for _, p := range g.plans {
			switch {
			case p.Kind == kindRegistrations && p.city == regCity && p.season == 1,
				p.Kind == kindExams && p.city == 0 && p.season == 1,
				p.Kind == kindApprovals && p.city == 0 && p.season == 1,
				p.Kind == kindResettlement && p.city == 0:
				p.designated = true
			}
		}
	}
	for _, p := range g.plans {
		g.applyVariant(p, rng)
	}
}

// applyVariant fills the manifest fields a variant decides and picks the
// header spellings and title.
func (g *generator) applyVariant(p *filePlan, rng *rand.Rand) {
	v := &p.v
	p.Format, p.Encoding = v.format, v.encoding
	if v.format == formatXLSX {
		p.Encoding = ""
		p.Path = strings.TrimSuffix(p.Path, ".csv") + ".xlsx"
		p.Sheet = sheetName(p.Kind, p.ExamType)
	}
	p.Headers, p.Values, p.Dates = v.headers, v.values, v.dates
	if p.Kind == kindExams {
		p.Results = v.results
	}
	p.HeaderRows = 1
	if v.twoRow {
		p.HeaderRows = 2
	}
	p.TotalRow, p.Footer = v.total, v.footer
	p.ExamTypeImplied = v.noExamType
	if v.title {
		p.Title = g.titleFor(p)
	}
	for _, c := range kindColumns[p.Kind] {
		if c == "exam_type" && v.noExamType {
			continue
		}
		p.Columns = append(p.Columns, c)
	}
	v.headerNames = make([]string, len(p.Columns))
	for i, c := range p.Columns {
		choices := headerChoices(v.headers, p.Kind, p.ExamType, c)
		v.headerNames[i] = choices[rng.IntN(len(choices))]
	}
	v.spell = newSpeller(v, rng)
}

func sheetName(kind, examType string) string {
	switch kind {
	case kindRegistrations:
		return "兵役登记"
	case kindExams:
		switch examType {
		case examPhysical:
			return "体检结果"
		case examPolitical:
			return "政考结果"
		}
		return "役前教育"
	case kindApprovals:
		return "批准入伍"
	case kindResettlement:
		return "退役安置"
	}
	return "Sheet1"
}

// titleFor writes the title the way offices do, e.g.
// 郑州市2025年上半年征兵体检结果汇总表; the ingest may read year, season and
// exam type from it.
func (g *generator) titleFor(p *filePlan) string {
	c := g.cities[p.city]
	half := ""
	switch p.Season {
	case 1:
		half = "上半年"
	case 2:
		half = "下半年"
	}
	prefix := fmt.Sprintf("%s%d年%s", c.title, p.Year, half)
	switch p.Kind {
	case kindRegistrations:
		return prefix + "兵役登记和应征报名汇总表"
	case kindExams:
		switch p.ExamType {
		case examPhysical:
			return prefix + "征兵体检结果汇总表"
		case examPolitical:
			return prefix + "征兵政治考核结果汇总表"
		}
		return prefix + "役前教育训练结果汇总表"
	case kindApprovals:
		return prefix + "批准入伍人员汇总表"
	case kindResettlement:
		return prefix + "退役士兵安置情况汇总表"
	}
	return ""
}
