package synth

import (
	"context"
	"math"
	"math/rand/v2"
	"sort"
)

// veteran is a discharged soldier due for placement (SPEC §2 stage 7).
type veteran struct {
	id         string
	county     int32 // placement county (安置地)
	discharged int32
	nco        bool
	plan       string
	placed     int32
	employer   string
	contract   int
	subsidy    int
	paid       int32
}

// resettlement writes one city's veterans: conscripts who enlisted two years
// before their discharge and NCOs who enlisted five years before, discharged
// in the spring or autumn of the year or the year before. Their identity
// numbers are new: they registered long before this year's extracts.
func (g *generator) resettlement(ctx context.Context, ci int) error {
	c := &g.cities[ci]
	rng := unitRNG(g.opt.Seed, "resettlement", c.code)
	p := g.plan(kindResettlement, c.code, 0, "")
	var vets []veteran
	for _, k := range c.counties {
		cty := &g.counties[k]
		n := int(0.06*float64(cty.regs[0]+cty.regs[1]) + rng.Float64())
		for range n {
			vets = append(vets, g.newVeteran(rng, k))
		}
	}
	nClean := len(vets)
	g.veterans += nClean

	var b badRows
	kinds := []defect{dBadCheck, dBadLen, dBadDate, dBadEnum}
	if nClean > 0 {
		kinds = append(kinds, dDup)
	}
	used := make([]bool, nClean)
	for _, d := range g.plannedDefects(rng, p, nClean, kinds) {
		e := entry{d: d, alt: uint8(rng.IntN(256))}
		if d == dDup {
			k := pick(rng, nClean, func(k int) bool { return !used[k] })
			if k < 0 {
				continue
			}
			used[k] = true
			e.ref = int32(k)
		} else {
			vets = append(vets, g.newVeteran(rng, g.randomCounty(rng, ci)))
			e.ref = int32(len(vets) - 1)
		}
		b.add(e)
	}
	clean, rank := sortedClean(nClean, func(i int) int32 { return vets[i].discharged })
	place(rng, &b, rank)
	rows := b.merge(clean)
	render := func(e entry, cells []cell) {
		v := &vets[e.ref]
		service := "conscript"
		if v.nco {
			service = "nco"
		}
		cells[0] = textCell(badID(v.id, e))
		cells[1] = codeCell(g.counties[v.county].code)
		cells[2] = enumCell(fServiceType, service)
		cells[3] = dateCell(v.discharged)
		cells[4] = enumCell(fPlan, v.plan)
		cells[5] = optDateCell(v.placed)
		cells[6] = textCell(v.employer)
		if v.contract > 0 {
			cells[7] = intCell(v.contract)
		}
		if v.subsidy > 0 {
			cells[8] = intCell(v.subsidy)
		}
		cells[9] = optDateCell(v.paid)
		switch e.d {
		case dBadDate:
			cells[3] = g.badDate(e)
		case dBadEnum:
			cells[4] = badEnum(kindResettlement, e)
		}
	}
	return g.writeRows(ctx, p, footerFor(rng, dayOf(g.opt.Year, 12, 31)), rows, render, b.counts)
}

// newVeteran: most are self-employed with a one-time subsidy, mostly paid
// within the 90-day deadline (SPEC §7 subsidy_on_time_rate); about 15 % get
// an assigned job, most placed within months on contracts of three years or
// more; a few retire or are supported. Nothing is dated after the year.
func (g *generator) newVeteran(rng *rand.Rand, k int) veteran {
	end := dayOf(g.opt.Year, 12, 31)
	v := veteran{county: int32(k), nco: rng.Float64() < 0.3}
	dy := g.opt.Year - rng.IntN(2)
	if rng.Float64() < 0.45 {
		v.discharged = dayOf(dy, 3, 1) + rng.Int32N(31)
	} else {
		v.discharged = dayOf(dy, 9, 1) + rng.Int32N(30)
	}
	enlisted := dy - 2
	if v.nco {
		enlisted = dy - 5
	}
	by := enlisted - 18 - rng.IntN(5)
	birth := dayOf(by, 1, 1) + rng.Int32N(365)
	idCounty := k
	if rng.Float64() < 0.1 {
		idCounty = rng.IntN(len(g.counties))
	}
	v.id, _ = g.ids.next(idCounty, birth, rng.Float64() < 0.95)

	switch u := rng.Float64(); {
	case u < 0.80:
		v.plan = planSelf
	case u < 0.95:
		v.plan = planAssigned
	case u < 0.965:
		v.plan = planRetired
	case u < 0.98:
		v.plan = planSupport
	default:
		v.plan = planOther
	}
	switch v.plan {
	case planSelf:
		if v.nco {
			v.subsidy = 60000 + 100*rng.IntN(601)
		} else {
			v.subsidy = 30000 + 100*rng.IntN(201)
		}
		switch u := rng.Float64(); {
		case u < 0.82:
			v.paid = v.discharged + 10 + rng.Int32N(79)
		case u < 0.94:
			v.paid = v.discharged + 91 + rng.Int32N(150)
		}
		if v.paid > end {
			v.paid = 0
		}
	case planAssigned:
		if rng.Float64() < 0.85 {
			v.placed = v.discharged + 30 + rng.Int32N(150)
		}
		if v.placed > end {
			v.placed = 0
		}
		if v.placed != 0 {
			v.employer = g.employer(rng, k)
			v.contract = []int{3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 5, 5, 5, 5, 5, 8, 8, 10, 2, 1}[rng.IntN(20)]
		}
	}
	return v
}

func (g *generator) employer(rng *rand.Rand, k int) string {
	c := &g.counties[k]
	city := &g.cities[c.city]
	return pickString(rng,
		"国网"+city.short+"供电公司", c.name+"公安局", c.name+"城市管理局", c.name+"人民医院",
		"中国邮政集团有限公司"+city.title+"分公司", c.name+"自来水公司", c.name+"应急管理局", c.name+"交通运输局")
}

type quotaRow struct {
	region, name      string
	track             string // 男兵 or 女兵
	season, quota     int
	college, graduate float64
}

// quotas writes one row per county and season and the province row, which
// is the sum of its counties. Quotas are set so clean approvals end at
// 90–105 % of them, as a season that went to plan does. A county with a
// female quota (女兵) that approves women has a second row for them, set
// from its approved women the same way, and its general (男兵) row from the others; the province
// sets none of its own for women (its female quota is the sum of its
// counties'), so the women of a county without one count against the
// general quota.
func (g *generator) quotas() error {
	p := g.plans[0]
	var rows []quotaRow
	for s := 1; s <= 2; s++ {
		var counties []quotaRow
		sum := 0
		for i := range g.counties {
			c := &g.counties[i]
			general := c.approved[s-1]
			// A county that approves no woman that season sets her no
			// quota of her own: a quota of 1 nobody can fill is no plan.
			if c.femaleQuota && c.femaleApproved[s-1] > 0 {
				general -= c.femaleApproved[s-1]
				fq := max(1, int(math.Round(float64(c.femaleApproved[s-1])/c.quotaFactor[s-1])))
				g.totals[s-1].FemaleQuota += fq
				counties = append(counties, quotaRow{c.code, c.name, trackFemale, s, fq, c.collegeGoal, c.graduateGoal})
			}
			q := max(1, int(math.Round(float64(general)/c.quotaFactor[s-1])))
			sum += q
			counties = append(counties, quotaRow{c.code, c.name, trackMale, s, q, c.collegeGoal, c.graduateGoal})
		}
		sort.SliceStable(counties, func(a, b int) bool { return counties[a].region < counties[b].region })
		rows = append(rows, quotaRow{g.opt.Province, g.provName, trackMale, s, sum, 0.7, 0.5})
		rows = append(rows, counties...)
		g.totals[s-1].Quota = sum
	}
	clean := make([]entry, len(rows))
	for i := range clean {
		clean[i].ref = int32(i)
	}
	render := func(e entry, c []cell) {
		r := &rows[e.ref]
		c[0] = intCell(g.opt.Year)
		c[1] = enumCell(fSeason, itoa(r.season))
		c[2] = codeCell(r.region)
		c[3] = textCell(r.name)
		c[4] = textCell(r.track)
		c[5] = intCell(r.quota)
		c[6] = floatCell(r.college)
		c[7] = floatCell(r.graduate)
	}
	return g.writeRows(context.Background(), p, fileExtras{}, clean, render, nil)
}

func (g *generator) manifest() Manifest {
	m := Manifest{Options: g.opt, People: g.people, Veterans: g.veterans}
	for _, p := range g.plans {
		m.Files = append(m.Files, p.File)
	}
	sort.Slice(m.Files, func(a, b int) bool { return m.Files[a].Path < m.Files[b].Path })
	m.Seasons = []Totals{g.totals[0], g.totals[1]}
	m.Seasons[0].Season, m.Seasons[1].Season = 1, 2
	return m
}
