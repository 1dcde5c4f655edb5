package synth

import (
	"math/rand/v2"
	"strconv"
	"time"

	"enlist/internal/idnum"
)

// Days are counted from 1970-01-01 so dates sort and subtract as integers.
func dayOf(y int, m time.Month, d int) int32 {
	return int32(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

func dateOf(d int32) time.Time { return time.Unix(int64(d)*86400, 0).UTC() }

type window struct{ from, to int32 }

// in draws a day of the window no earlier than lo.
func (w window) in(rng *rand.Rand, lo int32) int32 {
	from := max(w.from, lo)
	if from >= w.to {
		return w.to
	}
	return from + rng.Int32N(w.to-from+1)
}

// seasonDates are the stage windows of one season (SPEC §2). They are wide
// enough that every stage can follow the one before it.
type seasonDates struct {
	reg, phys, pol, pre, appr, hand window
}

func span(y int, m1 time.Month, d1 int, m2 time.Month, d2 int) window {
	return window{dayOf(y, m1, d1), dayOf(y, m2, d2)}
}

func springDates(y int) seasonDates {
	return seasonDates{
		reg:  span(y, 1, 5, 2, 20),
		phys: span(y, 2, 10, 2, 28),
		pol:  span(y, 2, 15, 3, 5),
		pre:  span(y, 2, 20, 3, 8),
		appr: span(y, 3, 1, 3, 10),
		hand: span(y, 3, 10, 3, 15),
	}
}

func autumnDates(y int) seasonDates {
	return seasonDates{
		reg:  span(y, 4, 1, 7, 31),
		phys: span(y, 7, 10, 8, 10),
		pol:  span(y, 7, 20, 8, 20),
		pre:  span(y, 8, 5, 8, 25),
		appr: span(y, 8, 20, 9, 5),
		hand: span(y, 9, 5, 9, 15),
	}
}

// idAllocator hands out sequence numbers per county and birth date so that
// no two people, in any file of the run, share an identity number. Men get
// odd sequences and women even ones, as GB 11643 has it.
type idAllocator struct {
	counties []string
	base     int32
	days     int32
	male     []uint16
	female   []uint16
}

// Birth dates from 32 years before the year (the oldest veterans) to 14
// years before (the youngest age-rule outliers).
func newIDAllocator(counties []county, year int) *idAllocator {
	a := &idAllocator{base: dayOf(year-32, 1, 1)}
	a.days = dayOf(year-13, 1, 1) - a.base
	for _, c := range counties {
		a.counties = append(a.counties, c.code)
	}
	n := int(a.days) * len(counties)
	a.male = make([]uint16, n)
	a.female = make([]uint16, n)
	return a
}

// next returns an identity number for someone of the county born on birth,
// moving the birth date to the next day with a free sequence in the rare
// case the day is full.
func (a *idAllocator) next(countyIdx int, birth int32, male bool) (string, int32) {
	start := min(max(birth-a.base, 0), a.days-1)
	for k := int32(0); ; k++ {
		off := (start + k) % a.days
		slot := countyIdx*int(a.days) + int(off)
		counter := a.female
		if male {
			counter = a.male
		}
		if k := counter[slot]; k < 499 {
			counter[slot]++
			// Spread sequences over the range the way police stations hand
			// them out, still one to one within the slot.
			r := (int(k) + countyIdx*131 + int(off)*37) % 499
			seq := 2*r + 2
			if male {
				seq = 2*r + 1
			}
			birth = a.base + off
			return idnum.Make(a.counties[countyIdx], dateOf(birth), seq), birth
		}
	}
}

// person is one registered (or, for orphans, never registered) young citizen
// of a city and season.
type person struct {
	id, name     string
	birth, regOn int32
	county       int32 // registration county (index into generator.counties)
	town         int32 // index into the county's towns
	male         bool
	applied      bool
	registered   bool // false for orphans, who appear only in exam and approval files
	used         bool // already the subject or source of a defect row
	edu, status  string
	major        string // discipline, "" for non-college
	school       string
	ethnicity    string
}

func (p *person) college() bool {
	switch p.edu {
	case eduAssociate, eduBachelor, eduMaster, eduDoctor:
		return true
	}
	return false
}

func (p *person) graduate() bool {
	return p.college() && (p.status == statusFresh || p.status == statusPast)
}

func (p *person) stem() bool {
	for _, m := range stemMajors {
		if p.major == m {
			return true
		}
	}
	return false
}

// newPerson draws a registration for county ci. Ages keep clear of the rule's
// edges whichever way an ingest counts age (by birth year or on the day):
// 19–22 for everyone, up to 24 for college graduates.
func (g *generator) newPerson(rng *rand.Rand, ci int, season int) person {
	c := &g.counties[ci]
	p := person{county: int32(ci), registered: true}
	p.male = rng.Float64() < 0.9
	var age int
	if rng.Float64() < c.collegeShare {
		switch u := rng.Float64(); {
		case u < 0.45:
			p.edu = eduAssociate
		case u < 0.95:
			p.edu = eduBachelor
		default:
			p.edu = eduMaster
		}
		switch u := rng.Float64(); {
		case p.edu == eduMaster:
			p.status = statusFresh
			if u < 0.4 {
				p.status = statusPast
			}
			age = 23 + rng.IntN(2)
		case u < 0.40:
			p.status, age = statusInSchool, 19+rng.IntN(4)
		case u < 0.75:
			p.status, age = statusFresh, 20+rng.IntN(4)
		default:
			p.status, age = statusPast, 21+rng.IntN(4)
		}
		if rng.Float64() < c.stemShare {
			p.major = stemMajors[rng.IntN(len(stemMajors))]
		} else {
			p.major = otherMajors[rng.IntN(len(otherMajors))]
		}
		p.school = g.school(rng, c.city, p.edu)
	} else {
		switch u := rng.Float64(); {
		case u < 0.15:
			p.edu = eduJunior
		case u < 0.65:
			p.edu = eduHigh
		default:
			p.edu = eduVocational
		}
		p.status = statusNone
		if rng.Float64() < 0.08 {
			p.status = statusInSchool
		}
		age = 19 + rng.IntN(4)
	}
	g.finishPerson(rng, &p, ci, season, age)
	p.applied = rng.Float64() < c.applyRate
	return p
}

// ageOutlier is a registration the age rule flags: 16, or 26–28 without
// college, so no reading of the rule lets it pass.
func (g *generator) ageOutlier(rng *rand.Rand, ci int, season int) person {
	p := person{county: int32(ci), registered: true, male: true, edu: eduHigh, status: statusNone}
	age := 16
	if rng.IntN(2) == 0 {
		age = 26 + rng.IntN(3)
	}
	g.finishPerson(rng, &p, ci, season, age)
	return p
}

// finishPerson draws what every registration has: birth date, identity
// number (mostly of the county registered in, a few from elsewhere in the
// province), town, date and name.
func (g *generator) finishPerson(rng *rand.Rand, p *person, ci int, season int, age int) {
	c := &g.counties[ci]
	birthYear := g.opt.Year - age
	birth := dayOf(birthYear, 1, 1) + rng.Int32N(dayOf(birthYear+1, 1, 1)-dayOf(birthYear, 1, 1))
	idCounty := ci
	if rng.Float64() < 0.04 {
		idCounty = rng.IntN(len(g.counties))
	}
	p.id, p.birth = g.ids.next(idCounty, birth, p.male)
	p.town = int32(rng.IntN(len(c.towns)))
	p.regOn = g.seasons[season-1].reg.in(rng, 0)
	p.name = chineseName(rng, p.male)
	p.ethnicity = ethnicity(rng, g.minorities)
}

// school is the university a college person of city ci reads at (or read
// at): a 专科 one for 大专, a 本科 one otherwise (schools.go).
func (g *generator) school(rng *rand.Rand, ci int, edu string) string {
	switch edu {
	case eduAssociate:
		return g.pickSchool(rng, ci, false, 6)
	case eduBachelor:
		return g.pickSchool(rng, ci, true, 11)
	}
	return g.pickSchool(rng, ci, true, 3)
}

var surnames = []string{
	"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林", "罗",
	"郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "肖", "田", "董", "袁", "潘", "于", "蒋", "蔡",
	"余", "杜", "叶", "程", "苏", "魏", "吕", "丁", "任", "沈", "姚", "卢", "姜", "崔", "钟", "谭", "陆", "汪", "范", "金",
	"石", "廖", "贾", "夏", "韦", "付", "方", "白", "邹", "孟", "熊", "秦", "邱", "江", "尹", "薛", "闫", "段", "雷", "侯",
	"龙", "史", "陶", "黎", "贺", "顾", "毛", "郝", "龚", "邵", "万", "钱", "严", "覃", "武", "戴", "莫", "孔", "向", "汤",
}

var maleGiven = []rune("伟强磊军勇杰涛超明刚平辉鹏华飞鑫波斌宇浩凯健俊帆帅旭宁龙林阳昊博文志建国峰晨轩然睿哲思源泽航瑞天子豪锦程毅恒嘉铭宏达亮东海兵松成康")
var femaleGiven = []rune("芳娜敏静丽艳娟霞秀玲桂英红梅琳雪婷慧颖欣怡晶璐月悦涵萱佳琪雨萌妍蕾倩瑶洁薇")

// chineseName: surname plus one or two given characters. Common surnames
// come up more often, as they do.
func chineseName(rng *rand.Rand, male bool) string {
	u := rng.Float64()
	s := surnames[int(u*u*float64(len(surnames)))]
	given := femaleGiven
	if male {
		given = maleGiven
	}
	b := make([]rune, 0, 3)
	b = append(b, []rune(s)...)
	b = append(b, given[rng.IntN(len(given))])
	if rng.Float64() < 0.75 {
		b = append(b, given[rng.IntN(len(given))])
	}
	return string(b)
}

// ethnicity draws a people by the province's shares (ethnic.go): 汉族
// unless one draw falls within a minority's share.
func ethnicity(rng *rand.Rand, minorities []peopleShare) string {
	u := rng.Float64()
	for _, m := range minorities {
		if u < m.share {
			return m.name
		}
		u -= m.share
	}
	return "汉族"
}

func itoa(n int) string { return strconv.Itoa(n) }
