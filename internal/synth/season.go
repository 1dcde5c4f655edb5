package synth

import (
	"context"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
)

// defect is the internal form of a File.Defects key.
type defect uint8

const (
	dNone defect = iota
	dBadCheck
	dBadLen
	dBadDate
	dDup
	dBadEnum
	dAge
	dOrphan
	dUnapproved
	dTwo
)

var defectName = [...]string{
	dBadCheck: DefectBadIDCheck, dBadLen: DefectBadIDLength, dBadDate: DefectBadDate,
	dDup: DefectDuplicate, dBadEnum: DefectBadEnum, dAge: DefectAgeRule, dOrphan: DefectOrphan,
	dUnapproved: DefectUnapprovedDouble, dTwo: DefectTwoRegions,
}

// entry is one data row of a file: which record it renders and the defect
// it carries. alt picks among the bad spellings of a defect.
type entry struct {
	ref int32
	d   defect
	alt uint8
}

type insertion struct {
	pos int
	e   entry
}

// badRows collects the defect rows of one file; place decides where they go
// among the clean rows.
type badRows struct {
	ins    []insertion
	counts map[string]int
}

// add records a bad row. A duplicate's ref is its original; any other
// row's ref is the record it renders.
func (b *badRows) add(e entry) {
	b.ins = append(b.ins, insertion{e: e})
	if b.counts == nil {
		b.counts = map[string]int{}
	}
	b.counts[defectName[e.d]]++
}

// merge puts the bad rows among the clean ones: a row inserted at pos comes
// just before clean row pos, so a duplicate placed after its original stays
// after it.
func (b *badRows) merge(clean []entry) []entry {
	sort.SliceStable(b.ins, func(i, j int) bool { return b.ins[i].pos < b.ins[j].pos })
	out := make([]entry, 0, len(clean)+len(b.ins))
	k := 0
	for i, e := range clean {
		for k < len(b.ins) && b.ins[k].pos <= i {
			out = append(out, b.ins[k].e)
			k++
		}
		out = append(out, e)
	}
	for ; k < len(b.ins); k++ {
		out = append(out, b.ins[k].e)
	}
	return out
}

// defectRate is the share of bad rows: Messy×5 %, so Messy = 1 gives one bad
// row in twenty and the bulletin still shows the data, not the noise.
func (g *generator) defectRate() float64 { return g.opt.Messy * 0.05 }

// plannedDefects draws the defect kind of every bad row of a file. A
// designated file gets each available kind at least once.
func (g *generator) plannedDefects(rng *rand.Rand, p *filePlan, clean int, kinds []defect) []defect {
	if g.opt.Messy == 0 || len(kinds) == 0 {
		return nil
	}
	n := int(g.defectRate()*float64(clean) + rng.Float64())
	out := make([]defect, 0, n+len(kinds))
	for range n {
		out = append(out, kinds[rng.IntN(len(kinds))])
	}
	if p.designated {
		for _, k := range kinds {
			found := false
			for _, d := range out {
				found = found || d == k
			}
			if !found {
				out = append(out, k)
			}
		}
	}
	return out
}

type examRow struct {
	p      int32
	day    int32
	pass   bool
	reexam bool // part of a fail-then-pass pair; never the original of a duplicate
	reason string
}

type approval struct {
	p                  int32
	approved, handover int32
	returned           int32
	branch, retReason  string
	responsible        bool
}

// funnelState is where one person got to.
type funnelState struct {
	phys, pol, pre int8 // 0 not examined, 1 passed, -1 failed (latest result)
	physDay        int32
	polDay         int32
	preDay         int32
	approved       bool
	hasRow         [3]bool // has a row in the physical, political, pretraining file
	hasApproval    bool
}

// seasonData is everything of one city and season.
type seasonData struct {
	ci, season int
	sd         seasonDates
	people     []person
	state      []funnelState
	nClean     int // people[:nClean] are the clean registrations
	exams      [3][]examRow
	nExams     [3]int // exams[t][:nExams[t]] are the clean rows
	approvals  []approval
	nApprovals int // approvals[:nApprovals] are the clean rows
}

var examTypes = [3]string{examPhysical, examPolitical, examPretraining}

func (g *generator) citySeason(ctx context.Context, ci, season int) error {
	c := &g.cities[ci]
	rng := unitRNG(g.opt.Seed, "season", c.code, strconv.Itoa(season))
	s := &seasonData{ci: ci, season: season, sd: g.seasons[season-1]}
	total := 0
	for _, k := range c.counties {
		total += g.counties[k].regs[season-1]
	}
	s.people = make([]person, 0, total+total/20+16)
	ranges := make([][2]int, len(c.counties))
	for i, k := range c.counties {
		lo := len(s.people)
		for range g.counties[k].regs[season-1] {
			s.people = append(s.people, g.newPerson(rng, k, season))
		}
		ranges[i] = [2]int{lo, len(s.people)}
		g.done += len(s.people) - lo
		if g.progress != nil {
			g.progress(g.done, g.opt.Registrations)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	s.nClean = len(s.people)
	s.state = make([]funnelState, len(s.people), cap(s.people))
	for i, k := range c.counties {
		g.funnel(rng, s, k, ranges[i][0], ranges[i][1])
	}
	for t := range examTypes {
		s.nExams[t] = len(s.exams[t])
	}
	s.nApprovals = len(s.approvals)
	g.addTotals(s)

	regBad := g.registrationDefects(rng, s)
	// Approvals first: their orphans bring orphan exam rows along.
	var examBad [3]badRows
	apprBad := g.approvalDefects(rng, s, &examBad)
	for t := range examTypes {
		g.examDefects(rng, s, t, &examBad[t])
	}
	g.fillTwoRegionPool(rng, s)

	if err := g.writeRegistrations(ctx, rng, s, &regBad); err != nil {
		return err
	}
	for t := range examTypes {
		if err := g.writeExams(ctx, rng, s, t, &examBad[t]); err != nil {
			return err
		}
	}
	return g.writeApprovals(ctx, rng, s, &apprBad)
}

// funnel runs the applicants of one county through the stages (SPEC §2).
func (g *generator) funnel(rng *rand.Rand, s *seasonData, ci, lo, hi int) {
	c := &g.counties[ci]
	sd := s.sd
	var collegeElig, otherElig []int32
	for i := lo; i < hi; i++ {
		p := &s.people[i]
		st := &s.state[i]
		if !p.applied || rng.Float64() >= 0.75 {
			continue
		}
		st.physDay, st.phys = g.exam(rng, s, 0, i, sd.phys, p.regOn+1, rng.Float64() < c.physPass, 0.04)
		if st.phys != 1 || rng.Float64() >= 0.97 {
			continue
		}
		st.polDay, st.pol = g.exam(rng, s, 1, i, sd.pol, st.physDay+1, rng.Float64() < 0.95, 0.02)
		if st.pol != 1 {
			continue
		}
		if rng.Float64() < 0.5 {
			st.preDay, st.pre = g.exam(rng, s, 2, i, sd.pre, st.polDay+1, rng.Float64() < 0.96, 0)
			if st.pre != 1 {
				continue
			}
		}
		if p.college() {
			collegeElig = append(collegeElig, int32(i))
		} else {
			otherElig = append(otherElig, int32(i))
		}
	}
	// About 40 % of those qualified are approved, merit-ranked with college
	// people first up to the county's college share (SPEC §7 college_ratio).
	want := int(0.4*float64(len(collegeElig)+len(otherElig)) + rng.Float64())
	rng.Shuffle(len(collegeElig), func(a, b int) { collegeElig[a], collegeElig[b] = collegeElig[b], collegeElig[a] })
	rng.Shuffle(len(otherElig), func(a, b int) { otherElig[a], otherElig[b] = otherElig[b], otherElig[a] })
	nc := min(int(math.Round(c.collegeTarget*float64(want))), len(collegeElig))
	no := min(want-nc, len(otherElig))
	nc = min(want-no, len(collegeElig))
	chosen := append(append([]int32(nil), collegeElig[:nc]...), otherElig[:no]...)
	sort.Slice(chosen, func(a, b int) bool { return chosen[a] < chosen[b] })
	for _, i := range chosen {
		a := g.newApproval(rng, s, i)
		if rng.Float64() < 0.012 {
			g.returnRecruit(rng, &a)
		}
		s.approvals = append(s.approvals, a)
		s.state[i].approved = true
		s.state[i].hasApproval = true
	}
	c.approved[s.season-1] += len(chosen)
	for _, i := range chosen {
		if !s.people[i].male {
			c.femaleApproved[s.season-1]++
		}
	}
}

// exam writes the rows of one exam of person i and returns the latest date
// and result. A few who pass had failed a first exam days earlier: the
// latest result is what counts (SPEC §7).
func (g *generator) exam(rng *rand.Rand, s *seasonData, t, i int, w window, earliest int32, pass bool, reexamShare float64) (int32, int8) {
	s.state[i].hasRow[t] = true
	lo := max(w.from, earliest)
	if pass && reexamShare > 0 && lo <= w.to-3 && rng.Float64() < reexamShare {
		d1 := window{lo, w.to - 3}.in(rng, 0)
		d2 := window{d1 + 3, w.to}.in(rng, 0)
		s.exams[t] = append(s.exams[t],
			examRow{p: int32(i), day: d1, reason: failReason(rng, t), reexam: true},
			examRow{p: int32(i), day: d2, pass: true, reexam: true})
		return d2, 1
	}
	d := w.in(rng, earliest)
	r := examRow{p: int32(i), day: d, pass: pass}
	if !pass {
		r.reason = failReason(rng, t)
	}
	s.exams[t] = append(s.exams[t], r)
	if pass {
		return d, 1
	}
	return d, -1
}

func failReason(rng *rand.Rand, t int) string {
	switch t {
	case 0:
		return pickString(rng, "视力不合格", "视力不合格", "血压偏高", "体重超标", "体重超标", "肝功能异常",
			"色觉异常", "心电图异常", "纹身不合格", "尿常规异常", "扁平足", "耳鼻喉科不合格")
	case 1:
		return pickString(rng, "有违法犯罪记录", "有吸毒史", "有不良网络言行", "考核材料不实")
	}
	return pickString(rng, "训练考核不合格", "心理测试不合格", "本人主动放弃")
}

func (g *generator) newApproval(rng *rand.Rand, s *seasonData, i int32) approval {
	st := &s.state[i]
	a := approval{p: i}
	a.approved = s.sd.appr.in(rng, max(st.polDay, st.preDay)+1)
	a.handover = s.sd.hand.in(rng, a.approved)
	a.branch = pickString(rng, "陆军", "陆军", "陆军", "陆军", "武警部队", "武警部队", "海军", "空军", "火箭军", "联勤保障部队")
	return a
}

// returnRecruit sends a recruit back within the quarantine period (about 90
// days after handover). Hiding an illness, a false review or refusing to
// serve is the region's fault (有责); an illness found later is not.
func (g *generator) returnRecruit(rng *rand.Rand, a *approval) {
	a.returned = a.handover + 10 + rng.Int32N(76)
	switch u := rng.Float64(); {
	case u < 0.30:
		a.retReason, a.responsible = "隐瞒病史", true
	case u < 0.45:
		a.retReason, a.responsible = "政治考核不实", true
	case u < 0.65:
		a.retReason, a.responsible = "思想不稳定拒绝服役", true
	case u < 0.85:
		a.retReason = "入伍后检出疾病"
	default:
		a.retReason = "心理适应不良"
	}
}

func (g *generator) addTotals(s *seasonData) {
	t := &g.totals[s.season-1]
	t.Season = s.season
	for i := 0; i < s.nClean; i++ {
		p, st := &s.people[i], &s.state[i]
		t.Registered++
		if p.applied {
			t.Applied++
		}
		if st.phys != 0 {
			t.PhysicalExamined++
		}
		if st.phys == 1 {
			t.PhysicalPassed++
		}
		if st.pol != 0 {
			t.PoliticalReviewed++
		}
		if st.pol == 1 {
			t.PoliticalPassed++
		}
		if st.phys == 1 && st.pol == 1 {
			t.DoubleQualified++
		}
		if st.approved {
			t.Approved++
			if p.college() {
				t.ApprovedCollege++
			}
		}
	}
	for _, a := range s.approvals {
		if a.returned != 0 {
			t.Returned++
		}
	}
	g.people += s.nClean
}

// pick finds a random index below n satisfying ok, or -1.
func pick(rng *rand.Rand, n int, ok func(i int) bool) int {
	if n == 0 {
		return -1
	}
	for range 64 {
		if i := rng.IntN(n); ok(i) {
			return i
		}
	}
	start := rng.IntN(n)
	for k := range n {
		if i := (start + k) % n; ok(i) {
			return i
		}
	}
	return -1
}

func (g *generator) randomCounty(rng *rand.Rand, ci int) int {
	c := &g.cities[ci]
	return c.counties[rng.IntN(len(c.counties))]
}

// addPerson appends a person who exists only for a defect row.
func (s *seasonData) addPerson(p person) int32 {
	p.used = true
	s.people = append(s.people, p)
	s.state = append(s.state, funnelState{})
	return int32(len(s.people) - 1)
}

// registrationDefects picks the bad rows of the registration file. Rejected
// rows are fresh people nobody else refers to, so a reject never turns
// another row into an orphan.
func (g *generator) registrationDefects(rng *rand.Rand, s *seasonData) badRows {
	var b badRows
	p := g.plan(kindRegistrations, g.cities[s.ci].code, s.season, "")
	kinds := []defect{dBadCheck, dBadLen, dBadDate, dDup, dBadEnum, dAge}
	if len(g.twoRegionPool[s.season-1]) > 0 {
		kinds = append(kinds, dTwo)
	}
	for _, d := range g.plannedDefects(rng, p, s.nClean, kinds) {
		e := entry{d: d, alt: uint8(rng.IntN(256))}
		switch d {
		case dDup:
			i := pick(rng, s.nClean, func(i int) bool { return !s.people[i].used })
			if i < 0 {
				continue
			}
			s.people[i].used = true
			e.ref = int32(i)
		case dAge:
			e.ref = s.addPerson(g.ageOutlier(rng, g.randomCounty(rng, s.ci), s.season))
			g.people++
		case dTwo:
			pool := &g.twoRegionPool[s.season-1]
			if len(*pool) == 0 {
				continue
			}
			pp := (*pool)[0]
			*pool = (*pool)[1:]
			k := g.randomCounty(rng, s.ci)
			pp.county = int32(k)
			pp.town = int32(rng.IntN(len(g.counties[k].towns)))
			pp.regOn = s.sd.reg.in(rng, 0)
			e.ref = s.addPerson(pp)
		default:
			pp := g.newPerson(rng, g.randomCounty(rng, s.ci), s.season)
			pp.applied = false
			e.ref = s.addPerson(pp)
		}
		b.add(e)
	}
	return b
}

// approvalDefects picks the bad rows of the approval file. An orphan
// approval comes with passed orphan exams (recorded in examBad), so it is an
// orphan and not also an approval without exams.
func (g *generator) approvalDefects(rng *rand.Rand, s *seasonData, examBad *[3]badRows) badRows {
	var b badRows
	p := g.plan(kindApprovals, g.cities[s.ci].code, s.season, "")
	kinds := []defect{dBadCheck, dBadLen, dBadDate, dBadEnum, dOrphan, dUnapproved}
	if s.nApprovals > 0 {
		kinds = append(kinds, dDup)
	}
	qualified := func(i int) bool {
		st := &s.state[i]
		return !s.people[i].used && !st.hasApproval && st.phys == 1 && st.pol == 1
	}
	free := func(i int) bool { return !s.people[i].used && !s.state[i].hasApproval }
	unqualified := func(i int) bool {
		st := &s.state[i]
		return free(i) && s.people[i].applied && (st.phys != 1 || st.pol != 1)
	}
	for _, d := range g.plannedDefects(rng, p, s.nApprovals, kinds) {
		e := entry{d: d, alt: uint8(rng.IntN(256))}
		switch d {
		case dDup:
			k := pick(rng, s.nApprovals, func(k int) bool { return !s.people[s.approvals[k].p].used })
			if k < 0 {
				continue
			}
			s.people[s.approvals[k].p].used = true
			e.ref = int32(k)
			b.add(e)
			continue
		case dOrphan:
			pp := g.newPerson(rng, g.randomCounty(rng, s.ci), s.season)
			pp.registered = false
			i := s.addPerson(pp)
			st := &s.state[i]
			st.phys, st.pol = 1, 1
			st.physDay = s.sd.phys.in(rng, 0)
			st.polDay = s.sd.pol.in(rng, st.physDay+1)
			for t, day := range []int32{st.physDay, st.polDay} {
				s.exams[t] = append(s.exams[t], examRow{p: i, day: day, pass: true})
				examBad[t].add(entry{ref: int32(len(s.exams[t]) - 1), d: dOrphan})
			}
			s.approvals = append(s.approvals, g.newApproval(rng, s, i))
		case dUnapproved:
			i := pick(rng, s.nClean, unqualified)
			if i < 0 {
				continue
			}
			s.people[i].used = true
			s.approvals = append(s.approvals, g.newApproval(rng, s, int32(i)))
		default:
			// Rejected rows name people who qualified but were not approved,
			// so the row would raise nothing else if it were read.
			i := pick(rng, s.nClean, qualified)
			if i < 0 {
				i = pick(rng, s.nClean, free)
			}
			if i < 0 {
				continue
			}
			s.people[i].used = true
			a := g.newApproval(rng, s, int32(i))
			if d == dBadEnum {
				g.returnRecruit(rng, &a)
			}
			s.approvals = append(s.approvals, a)
		}
		s.state[s.approvals[len(s.approvals)-1].p].hasApproval = true
		e.ref = int32(len(s.approvals) - 1)
		b.add(e)
	}
	return b
}

// examDefects picks the bad rows of one exam file. Rejected rows name
// registered people without a row of that exam, for the same reason as in
// approvalDefects.
func (g *generator) examDefects(rng *rand.Rand, s *seasonData, t int, b *badRows) {
	p := g.plan(kindExams, g.cities[s.ci].code, s.season, examTypes[t])
	kinds := []defect{dBadCheck, dBadLen, dBadDate, dBadEnum, dOrphan}
	if s.nExams[t] > 0 {
		kinds = append(kinds, dDup)
	}
	w := [3]window{s.sd.phys, s.sd.pol, s.sd.pre}[t]
	for _, d := range g.plannedDefects(rng, p, s.nExams[t], kinds) {
		e := entry{d: d, alt: uint8(rng.IntN(256))}
		switch d {
		case dDup:
			k := pick(rng, s.nExams[t], func(k int) bool {
				r := &s.exams[t][k]
				return !r.reexam && !s.people[r.p].used
			})
			if k < 0 {
				continue
			}
			s.people[s.exams[t][k].p].used = true
			e.ref = int32(k)
			b.add(e)
			continue
		case dOrphan:
			pp := g.newPerson(rng, g.randomCounty(rng, s.ci), s.season)
			pp.registered = false
			s.exams[t] = append(s.exams[t], g.randomExam(rng, t, s.addPerson(pp), w, 0))
		default:
			i := pick(rng, s.nClean, func(i int) bool { return !s.people[i].used && !s.state[i].hasRow[t] })
			if i < 0 {
				continue
			}
			s.people[i].used = true
			s.state[i].hasRow[t] = true
			s.exams[t] = append(s.exams[t], g.randomExam(rng, t, int32(i), w, s.people[i].regOn+1))
		}
		e.ref = int32(len(s.exams[t]) - 1)
		b.add(e)
	}
}

func (g *generator) randomExam(rng *rand.Rand, t int, i int32, w window, earliest int32) examRow {
	r := examRow{p: i, day: w.in(rng, earliest), pass: rng.Float64() < 0.7}
	if !r.pass {
		r.reason = failReason(rng, t)
	}
	return r
}

// fillTwoRegionPool keeps a few unused non-applicants of this city for the
// next city to register a second time in the same season.
func (g *generator) fillTwoRegionPool(rng *rand.Rand, s *seasonData) {
	var pool []person
	for range 32 {
		i := pick(rng, s.nClean, func(i int) bool { return !s.people[i].used && !s.people[i].applied })
		if i < 0 {
			break
		}
		s.people[i].used = true
		pool = append(pool, s.people[i])
	}
	g.twoRegionPool[s.season-1] = pool
}

// place decides where the bad rows go among the sorted clean rows: a
// duplicate somewhere after its original, anything else anywhere. rank maps
// a clean record to its position.
func place(rng *rand.Rand, b *badRows, rank []int) {
	n := len(rank)
	for k := range b.ins {
		in := &b.ins[k]
		if in.e.d == dDup {
			orig := rank[in.e.ref]
			in.pos = orig + 1 + rng.IntN(n-orig)
		} else {
			in.pos = rng.IntN(n + 1)
		}
	}
}

// sortedClean orders the clean records by date (offices list people in the
// order they came) and returns each record's position.
func sortedClean(n int, day func(i int) int32) ([]entry, []int) {
	idx := make([]int32, n)
	for i := range idx {
		idx[i] = int32(i)
	}
	sort.SliceStable(idx, func(a, b int) bool { return day(int(idx[a])) < day(int(idx[b])) })
	rank := make([]int, n)
	out := make([]entry, n)
	for pos, i := range idx {
		out[pos] = entry{ref: i}
		rank[i] = pos
	}
	return out, rank
}

func footerFor(rng *rand.Rand, day int32) fileExtras {
	return fileExtras{footer: "填表人：" + chineseName(rng, rng.IntN(3) > 0) +
		"　审核人：" + chineseName(rng, rng.IntN(3) > 0) +
		"　填表日期：" + string(appendDate(nil, day, datesChinese))}
}

// writeRows writes a file's rows and records it in the manifest.
func (g *generator) writeRows(ctx context.Context, p *filePlan, extras fileExtras, rows []entry, render func(e entry, cells []cell), counts map[string]int) error {
	t, err := openTable(g.opt.Out, p, extras)
	if err != nil {
		return err
	}
	cells := make([]cell, len(kindColumns[p.Kind]))
	for k, e := range rows {
		if k%16384 == 0 {
			if err := ctx.Err(); err != nil {
				t.close()
				return err
			}
		}
		clear(cells)
		render(e, cells)
		if err := t.row(cells); err != nil {
			t.close()
			return err
		}
	}
	if err := t.close(); err != nil {
		return err
	}
	p.Rows = t.rows()
	for k, v := range counts {
		p.Defects[k] += v
	}
	return nil
}

func badID(id string, e entry) string {
	switch e.d {
	case dBadCheck:
		const chars = "0123456789X"
		i := strings.IndexByte(chars, id[17])
		return id[:17] + string(chars[(i+1+int(e.alt)%10)%11])
	case dBadLen:
		if e.alt%2 == 0 {
			return id[:17]
		}
		return id + strconv.Itoa(int(e.alt)%10)
	}
	return id
}

func (g *generator) badDate(e entry) cell {
	texts := badDateTexts(g.opt.Year)
	return textCell(texts[int(e.alt)%len(texts)])
}

func badEnum(kind string, e entry) cell {
	v := badEnumValues[kind]
	return textCell(v[int(e.alt)%len(v)])
}

func (g *generator) writeRegistrations(ctx context.Context, rng *rand.Rand, s *seasonData, b *badRows) error {
	p := g.plan(kindRegistrations, g.cities[s.ci].code, s.season, "")
	clean, rank := sortedClean(s.nClean, func(i int) int32 { return s.people[i].regOn })
	place(rng, b, rank)
	rows := b.merge(clean)
	season := strconv.Itoa(s.season)
	render := func(e entry, c []cell) {
		pp := &s.people[e.ref]
		gender := "female"
		if pp.male {
			gender = "male"
		}
		c[0] = textCell(badID(pp.id, e))
		c[1] = textCell(pp.name)
		c[2] = enumCell(fGender, gender)
		c[3] = dateCell(pp.birth)
		c[4] = textCell(pp.ethnicity)
		c[5] = codeCell(g.counties[pp.county].towns[pp.town])
		c[6] = enumCell(fEducation, pp.edu)
		c[7] = enumCell(fStatus, pp.status)
		c[8] = enumCell(fMajor, pp.major)
		c[9] = textCell(g.spellSchool(p, pp.school))
		c[10] = dateCell(pp.regOn)
		c[11] = enumCell(fApplied, strconv.FormatBool(pp.applied))
		c[12] = intCell(g.opt.Year)
		c[13] = enumCell(fSeason, season)
		switch e.d {
		case dBadDate:
			c[10] = g.badDate(e)
		case dBadEnum:
			c[6] = badEnum(kindRegistrations, e)
		}
	}
	return g.writeRows(ctx, p, footerFor(rng, s.sd.reg.to+1), rows, render, b.counts)
}

func (g *generator) writeExams(ctx context.Context, rng *rand.Rand, s *seasonData, t int, b *badRows) error {
	p := g.plan(kindExams, g.cities[s.ci].code, s.season, examTypes[t])
	rows := s.exams[t]
	clean, rank := sortedClean(s.nExams[t], func(i int) int32 { return rows[i].day })
	place(rng, b, rank)
	merged := b.merge(clean)
	for _, r := range rows[:s.nExams[t]] {
		if r.reexam && r.pass {
			p.Reexams++
		}
	}
	typ := examTypes[t]
	w := [3]window{s.sd.phys, s.sd.pol, s.sd.pre}[t]
	render := func(e entry, c []cell) {
		r := &rows[e.ref]
		pp := &s.people[r.p]
		result := "fail"
		if r.pass {
			result = "pass"
		}
		c[0] = textCell(badID(pp.id, e))
		c[1] = enumCell(fExamType, typ)
		c[2] = dateCell(r.day)
		c[3] = enumCell(fResult, result)
		c[4] = textCell(r.reason)
		c[5] = textCell(g.station(t, int(pp.county)))
		switch e.d {
		case dBadDate:
			c[2] = g.badDate(e)
		case dBadEnum:
			c[3] = badEnum(kindExams, e)
		}
	}
	return g.writeRows(ctx, p, footerFor(rng, w.to+1), merged, render, b.counts)
}

func (g *generator) station(t, ci int) string {
	c := &g.counties[ci]
	switch t {
	case 0:
		return c.name + "征兵体检站"
	case 1:
		return c.name + "征兵办公室"
	}
	return g.cities[c.city].title + "役前教育训练基地"
}

func (g *generator) writeApprovals(ctx context.Context, rng *rand.Rand, s *seasonData, b *badRows) error {
	p := g.plan(kindApprovals, g.cities[s.ci].code, s.season, "")
	clean, rank := sortedClean(s.nApprovals, func(i int) int32 { return s.approvals[i].approved })
	place(rng, b, rank)
	rows := b.merge(clean)
	season := strconv.Itoa(s.season)
	render := func(e entry, c []cell) {
		a := &s.approvals[e.ref]
		c[0] = textCell(badID(s.people[a.p].id, e))
		c[1] = intCell(g.opt.Year)
		c[2] = enumCell(fSeason, season)
		c[3] = dateCell(a.approved)
		c[4] = textCell(a.branch)
		c[5] = dateCell(a.handover)
		if a.returned != 0 {
			c[6] = dateCell(a.returned)
			c[7] = textCell(a.retReason)
			c[8] = enumCell(fResponsible, strconv.FormatBool(a.responsible))
		}
		switch e.d {
		case dBadDate:
			c[3] = g.badDate(e)
		case dBadEnum:
			c[8] = badEnum(kindApprovals, e)
		}
	}
	return g.writeRows(ctx, p, footerFor(rng, s.sd.hand.to+1), rows, render, b.counts)
}
