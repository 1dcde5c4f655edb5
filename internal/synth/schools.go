package synth

import (
	"context"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"strings"

	"enlist/internal/schools"
)

const kindSchools = "schools"

// schoolHeaders are how a university list (高校名单) heads its columns; the
// registrations' 院校 column keeps its own (毕业院校 …).
var schoolHeaders = map[string]string{
	"school_code":    "院校代码",
	"school":         "院校名称",
	"region_code":    "所在地区划代码",
	"students":       "在校生人数",
	"school_aliases": "别名",
}

// university is a recruiting unit (高校征兵工作站) of the generated province.
type university struct {
	code, name string
	county     string // the county it sits in
	city       int    // index into generator.cities; -1 when outside them
	bachelor   bool   // 本科 (else 专科)
	students   int
	aliases    []string
}

// universities lists the province's universities: the built-in list
// (internal/schools/data) where it has the province, else a few named after
// the province and its cities, the way most are. Student counts are drawn
// from their own random stream, so adding universities changes no other
// figure of a seed.
func (g *generator) universities() []university {
	rng := unitRNG(g.opt.Seed, "universities")
	cityOf := func(county string) int {
		for ci, c := range g.cities {
			if strings.HasPrefix(county, c.code) {
				return ci
			}
		}
		return -1
	}
	var out []university
	list, err := schools.Builtin()
	if err == nil {
		for _, s := range schools.InProvince(list, g.opt.Province) {
			out = append(out, university{code: s.Code, name: s.Name, county: s.County, city: cityOf(s.County),
				bachelor: s.Level == "本科", aliases: s.Aliases})
		}
	}
	if len(out) == 0 {
		// Named universities of the province in its first city's first
		// county (the capital, as the division table lists it first), and a
		// college and a vocational college in every city's first county.
		seq := 0
		add := func(name string, ci int, bachelor bool, aliases ...string) {
			seq++
			county := g.counties[g.cities[ci].counties[0]].code
			out = append(out, university{code: fmt.Sprintf("9%s%02d", g.opt.Province, seq), name: name, county: county,
				city: ci, bachelor: bachelor, aliases: aliases})
		}
		p := g.provShort
		add(p+"大学", 0, true, p+"大")
		add(p+"理工大学", 0, true, p+"理工")
		add(p+"师范大学", 0, true, p+"师大")
		add(p+"交通职业技术学院", 0, false, p+"交院")
		for ci, c := range g.cities {
			add(c.short+"学院", ci, true)
			add(c.short+"职业技术学院", ci, false, c.short+"职院")
		}
	}
	for i := range out {
		// 本科 8,000–40,000 students, 专科 5,000–20,000.
		if out[i].bachelor {
			out[i].students = 8000 + 1000*rng.IntN(33)
		} else {
			out[i].students = 5000 + 500*rng.IntN(31)
		}
	}
	return out
}

// schoolChoices are the universities a college person of city ci reads at,
// by level: those of the city and those of the capital (city 0), where
// most universities are; any of the level when the city has none.
func (g *generator) schoolChoices(ci int, bachelor bool) []int {
	var near, any []int
	for i, u := range g.unis {
		if u.bachelor != bachelor {
			continue
		}
		any = append(any, i)
		if u.city == ci || u.city == 0 {
			near = append(near, i)
		}
	}
	if len(near) > 0 {
		return near
	}
	if len(any) > 0 {
		return any
	}
	all := make([]int, len(g.unis))
	for i := range all {
		all[i] = i
	}
	return all
}

// spellSchool is how one file writes a university: mostly its name, but a
// file that writes it by an alias (一 in three, by file and university)
// writes it so on every row — the spellings differ between files, as
// offices' do, and the school_spellings model must bring them together.
func (g *generator) spellSchool(p *filePlan, name string) string {
	i, ok := g.uniByName[name]
	if !ok || len(g.unis[i].aliases) == 0 {
		return name
	}
	h := fnv.New32a()
	h.Write([]byte(p.Path + "\x00" + name))
	if h.Sum32()%3 != 0 {
		return name
	}
	u := g.unis[i]
	return u.aliases[int(h.Sum32()/3)%len(u.aliases)]
}

// writeSchools writes the province's university list (高校名单): code,
// name, the county it sits in, its students and its aliases, as a schools
// extract. Its plan is made here, after every other file's, from its own
// random stream, so the other files of a seed stay as they were.
func (g *generator) writeSchools(ctx context.Context) error {
	p := &filePlan{File: File{Path: fmt.Sprintf("schools/%s.csv", g.opt.Province), Kind: kindSchools,
		Region: g.opt.Province, Year: g.opt.Year, Defects: map[string]int{}}}
	p.v = cleanVariant()
	g.applyVariant(p, unitRNG(g.opt.Seed, "universities", "plan"))
	g.plans = append(g.plans, p)
	rows := make([]entry, len(g.unis))
	for i := range rows {
		rows[i].ref = int32(i)
	}
	render := func(e entry, c []cell) {
		u := &g.unis[e.ref]
		c[0] = codeCell(u.code)
		c[1] = textCell(u.name)
		c[2] = codeCell(u.county)
		c[3] = intCell(u.students)
		c[4] = textCell(strings.Join(u.aliases, "、"))
	}
	return g.writeRows(ctx, p, fileExtras{}, rows, render, nil)
}

// pickSchool draws a college person's university: one draw of rng.IntN(n),
// as many choices as the names this generator once picked from, so the
// rest of the stream (and every other figure of a seed) stays the same.
func (g *generator) pickSchool(rng *rand.Rand, ci int, bachelor bool, n int) string {
	k := rng.IntN(n)
	choices := g.schoolChoices(ci, bachelor)
	if len(choices) == 0 {
		return ""
	}
	return g.unis[choices[k%len(choices)]].name
}
