package bulletin_test

import (
	"context"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"enlist/internal/config"
	"enlist/internal/warehouse"
	"enlist/reports/bulletin"
	"enlist/reports/internal/fixture"
)

func day(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

func gather(t *testing.T, wh *warehouse.Warehouse, scope, asOf string) *bulletin.Bulletin {
	t.Helper()
	b, err := bulletin.Gather(context.Background(), wh, bulletin.Options{Scope: scope, AsOf: day(asOf)})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func child(t *testing.T, b *bulletin.Bulletin, code string) bulletin.Row {
	t.Helper()
	for _, c := range b.Children {
		if c.Code() == code {
			return c
		}
	}
	t.Fatalf("no child %s", code)
	return bulletin.Row{}
}

func met(t *testing.T, v bulletin.Verdict) string {
	t.Helper()
	m, ok := v.Get()
	if !ok {
		return "—"
	}
	if m {
		return "是"
	}
	return "否"
}

// Test达标AtFirstWeekAndSeasonEnd: 达标 is at or above the target. In the
// first week (01-03: 3/90 = 3.3 % of the time) nobody has an approval:
// 0.0 % is a shortfall. At season end (03-31) the target is 100 %: 郑州市's
// 50.0 % is not met, 二七区's 2 of 2 (100 %) is.
func Test达标AtFirstWeekAndSeasonEnd(t *testing.T) {
	wh := fixture.Small(t)
	first := gather(t, wh, "4101", "2025-01-03")
	if got := met(t, first.Scope.CompletionMet); got != "否" {
		t.Errorf("first week: 0.0%% against 3.3%% time progress is 达标 %s, want 否", got)
	}
	if tg, _ := first.Scope.CompletionTarget.Get(); bulletin.Percent(tg) != "3.3%" {
		t.Errorf("first week: completion target %s, want the time progress 3.3%%", bulletin.Percent(tg))
	}
	end := gather(t, wh, "4101", "2025-03-31")
	if tg, _ := end.Scope.CompletionTarget.Get(); tg != 1 {
		t.Errorf("season end: completion target %v, want 100%%", tg)
	}
	if got := met(t, end.Scope.CompletionMet); got != "否" {
		t.Errorf("season end: 50.0%% of the quota is 达标 %s, want 否", got)
	}
	if got := met(t, child(t, end, "410103").CompletionMet); got != "是" {
		t.Errorf("season end: 100%% is 达标 %s, want 是", got)
	}
	// A region without a quota has no completion to judge.
	if got := met(t, child(t, end, "410105").CompletionMet); got != "—" {
		t.Errorf("金水区 (no quota) is 达标 %s, want no verdict", got)
	}
}

// TestBehindWithinTheMarginIsStillNot达标: with a margin of 50 points
// 中原区 (50.0 % against 87.8 %, 37.8 points behind) is not named under
// 需关注, yet its completion is not 达标; 管城回族区 (87.8 behind) is named.
func TestBehindWithinTheMarginIsStillNot达标(t *testing.T) {
	cfg, err := config.Default()
	if err != nil {
		t.Fatal(err)
	}
	cfg.BehindMargin = 0.5
	b := gather(t, fixture.SmallWith(t, cfg), "4101", "2025-03-20")
	if got := met(t, child(t, b, "410102").CompletionMet); got != "否" {
		t.Errorf("中原区 is 达标 %s, want 否", got)
	}
	if got := codes(b.AttentionOf(bulletin.Pace)); !reflect.DeepEqual(got, []string{"410104"}) {
		t.Errorf("需关注 · 进度 %v, want only 管城回族区", got)
	}
}

func codes(as []bulletin.Attention) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.Code)
	}
	return out
}

// TestAttentionList: by severity, pace apart from quality, the minimum of
// recruits, and what is said when nobody is named.
func TestAttentionList(t *testing.T) {
	wh := fixture.Small(t)
	// 03-09: 68/90 = 75.6 % of the time. 二七区 has 1 of 2 (50.0 %, 25.6
	// points behind), 中原区 and 管城回族区 nothing (75.6 behind): all
	// three lag; the worst first (tied ones by code), not in code order.
	all := gather(t, wh, "4101", "2025-03-09")
	if got, want := codes(all.AttentionOf(bulletin.Pace)), []string{"410102", "410104", "410103"}; !reflect.DeepEqual(got, want) {
		t.Errorf("everybody lagging: 进度 %v, want %v", got, want)
	}
	if got := all.AttentionOf(bulletin.Pace)[2].Reasons[0]; got != "任务完成率50.0%，落后时间进度25.6个百分点" {
		t.Errorf("二七区's reason %q", got)
	}
	// A town with applicants and no approval with three quarters of the
	// season gone is named though it has no quota of its own.
	town := gather(t, wh, "410102", "2025-03-09")
	if got := town.AttentionOf(bulletin.Pace); len(got) != 1 || got[0].Code != "410102001" || got[0].Reasons[0] != "报名6人，尚无定兵" {
		t.Errorf("town without approvals: %+v", got)
	}

	// Nobody behind by more than the margin, but some below time.
	cfg, err := config.Default()
	if err != nil {
		t.Fatal(err)
	}
	cfg.BehindMargin = 1
	cfg.Bulletin.AttentionMinRecruits = 1
	loose := gather(t, fixture.SmallWith(t, cfg), "4101", "2025-03-20")
	if got := loose.AttentionOf(bulletin.Pace); len(got) != 0 {
		t.Errorf("margin 100 points: 进度 names %+v", got)
	}
	if got := loose.NoneLine(bulletin.Pace); got != "无单位落后时间进度超过100.0个百分点" {
		t.Errorf("none line %q", got)
	}
	// With one recruit enough to judge, 中原区's ratios are judged (1 college
	// of 3, no graduate; its 1 return in 3 is above the 1 % maximum) under
	// 质量; 二七区 meets every target.
	q := loose.AttentionOf(bulletin.Quality)
	if len(q) != 1 || q[0].Code != "410102" {
		t.Fatalf("质量 %+v, want 中原区 alone", q)
	}
	if want := []string{"大学生比例33.3%，低于目标70.0%", "大学毕业生比例0.0%，低于目标50.0%", "退兵率33.3%，高于上限1.0%"}; !reflect.DeepEqual(q[0].Reasons, want) {
		t.Errorf("中原区's quality reasons %q, want %q", q[0].Reasons, want)
	}
	if loose.FewRecruits() != "" {
		t.Errorf("minimum 1: few-recruits note %q", loose.FewRecruits())
	}
	// The default minimum of 5 judges neither 中原区 (3) nor 二七区 (2):
	// their counts are shown instead.
	strict := gather(t, wh, "4101", "2025-03-20")
	if got := strict.AttentionOf(bulletin.Quality); len(got) != 0 {
		t.Errorf("minimum 5: 质量 names %+v", got)
	}
	if got := strict.NoneLine(bulletin.Quality); got != "已评比例均达到目标" {
		t.Errorf("quality none line %q", got)
	}
	if got := strict.FewRecruits(); !strings.Contains(got, "中原区（3人）") || !strings.Contains(got, "不足5人") {
		t.Errorf("few-recruits note %q", got)
	}

	// Everybody at or above time: 二七区's towns have no quota (nothing to
	// judge), and its town has approvals.
	ok := gather(t, wh, "410103", "2025-03-20")
	if len(ok.AttentionOf(bulletin.Pace)) != 0 || ok.NoneLine(bulletin.Pace) != "全部达到时间进度" {
		t.Errorf("二七区's towns: %+v, %q", ok.Attention, ok.NoneLine(bulletin.Pace))
	}
}

// TestRoundingHalfAwayFromZero: 5/16 and 53/80 print as 31.3 % and 66.3 %
// (as spreadsheets display them), never 31.2 % and 66.2 %; the bulletin
// model's rounding agrees.
func TestRoundingHalfAwayFromZero(t *testing.T) {
	// 53/80 and 5/16 as the database divides them, and typed in.
	fifty3, five := 53.0, 5.0
	for _, c := range []struct {
		v    float64
		want string
	}{{0.6625, "66.3%"}, {0.3125, "31.3%"}, {fifty3 / 80, "66.3%"}, {five / 16, "31.3%"}, {-0.0005, "-0.1%"}, {0.00049, "0.0%"}} {
		if got := bulletin.Percent(c.v); got != c.want {
			t.Errorf("Percent(%v) = %s, want %s", c.v, got, c.want)
		}
	}
	if got := bulletin.Chinese.SignedPoints(-0.1675); got != "-16.8个百分点" {
		t.Errorf("SignedPoints = %s", got)
	}
	if got := bulletin.English.Points(0.174); got != "17.4 percentage points" {
		t.Errorf("Points = %s", got)
	}
	if got := bulletin.Chinese.Times(5.75); got != "5.8倍" {
		t.Errorf("Times = %s", got)
	}
	b := gather(t, fixture.Halves(t), "4101", "2025-03-20")
	for code, want := range map[string]string{"410102": "31.3%", "410103": "66.3%"} {
		c := child(t, b, code)
		for col, r := range map[string]bulletin.Rate{"quota_completion": c.QuotaCompletion, "physical_pass_rate": c.PhysicalPassRate} {
			v, _ := r.Get()
			if got := bulletin.Percent(v); got != want {
				t.Errorf("%s %s prints %s, want %s", code, col, got, want)
			}
		}
		// The model's pace gap is the difference of the printed figures.
		if gap, _ := c.PaceGapPrinted.Get(); bulletin.Chinese.Points(gap) != map[string]string{"410102": "56.5个百分点", "410103": "21.5个百分点"}[code] {
			t.Errorf("%s pace gap %s", code, bulletin.Chinese.Points(gap))
		}
	}
}

// TestResettlementWindow: 中原区's v2, discharged 02-15 and not placed, is
// due once the 30-day placement window has passed (03-17), not before; v1,
// placed, is due from the start.
func TestResettlementWindow(t *testing.T) {
	wh := fixture.Small(t)
	for _, c := range []struct {
		asOf      string
		due       int64
		placement string
	}{{"2025-03-16", 1, "100.0%"}, {"2025-03-17", 2, "50.0%"}} {
		b := gather(t, wh, "4101", c.asOf)
		r := child(t, b, "410102")
		rate, _ := r.PlacementRate.Get()
		if r.PlacementDue.Int() != c.due || bulletin.Percent(rate) != c.placement {
			t.Errorf("%s: due %d, placement %s; want %d, %s", c.asOf, r.PlacementDue.Int(), bulletin.Percent(rate), c.due, c.placement)
		}
	}
}

// TestLeadParagraph: the lead's numbers are the model's, in both languages.
// 郑州市 as of 03-20: 5 approved, 1 returned (net 4), quota 8: 50.0 %,
// time 87.8 %: 37.8 points behind; as of 03-13 also 4 net: unchanged;
// 二七区 first, 管城回族区 last; 4 still needed; 11 days to 03-31.
func TestLeadParagraph(t *testing.T) {
	b := gather(t, fixture.Small(t), "4101", "2025-03-20")
	s := b.Scope
	c, _ := s.QuotaCompletion.Get()
	gap, _ := s.PaceGapPrinted.Get()
	if s.Approved.Int()-s.Returned.Int() != 4 || bulletin.Percent(c) != "50.0%" || bulletin.Chinese.Points(gap) != "37.8个百分点" ||
		s.StillNeeded.Int() != 4 || s.DaysLeft.Int() != 11 {
		t.Fatalf("the model's figures moved: net %d, %s, %s, %d needed, %d days", s.Approved.Int()-s.Returned.Int(),
			bulletin.Percent(c), bulletin.Chinese.Points(gap), s.StillNeeded.Int(), s.DaysLeft.Int())
	}
	zh := b.Lead()
	want := "郑州市定兵4人（已扣除退兵1人），完成任务50.0%，落后时间进度37.8个百分点，与上周持平；" + fixture.ScriptName +
		"居前，管城回族区靠后；尚差4人，距3月31日截止还有11天。"
	if !strings.HasPrefix(zh, want) {
		t.Errorf("lead\n%s\nwant it to start\n%s", zh, want)
	}
	for _, part := range []string{"兵员质量：大学生比例60.0%（目标70.0%），大学毕业生比例40.0%（目标50.0%）。", "拒收1行"} {
		if !strings.Contains(zh, part) {
			t.Errorf("lead lacks %q: %s", part, zh)
		}
	}
	// Every number of the first sentence is a figure of the model.
	numbers := regexp.MustCompile(`\d+(\.\d+)?`)
	end := s.SeasonEnd.V
	fromModel := []string{fmt.Sprint(s.Approved.Int() - s.Returned.Int()), fmt.Sprint(s.Returned.Int()),
		strings.TrimSuffix(bulletin.Percent(c), "%"), strings.TrimSuffix(bulletin.Chinese.Points(gap), "个百分点"),
		fmt.Sprint(s.StillNeeded.Int()), fmt.Sprint(int(end.Month())), fmt.Sprint(end.Day()), fmt.Sprint(s.DaysLeft.Int())}
	first := strings.Replace(zh[:strings.Index(zh, "。")], fixture.ScriptName, "", 1)
	if got := numbers.FindAllString(first, -1); !reflect.DeepEqual(got, fromModel) {
		t.Errorf("the lead's numbers %v, the model's %v", got, fromModel)
	}

	b.Lang = bulletin.English
	en := b.Lead()
	wantEn := "郑州市: 4 recruits approved net of 1 returned, 50.0% of the quota, 37.8 percentage points behind time, unchanged on last week; " +
		fixture.ScriptName + " lead, 管城回族区 trail; 4 still needed, 11 days to the deadline of 31 March."
	if !strings.HasPrefix(en, wantEn) {
		t.Errorf("English lead\n%s\nwant it to start\n%s", en, wantEn)
	}
	if strings.ContainsAny(en, "，；：（）。") {
		t.Errorf("full-width punctuation in the English lead: %s", en)
	}
	firstEn := strings.Replace(en[:strings.Index(en, ".\u0020")], fixture.ScriptName, "", 1)
	wantEnNumbers := []string{fromModel[0], fromModel[1], fromModel[2], fromModel[3], fromModel[4], fromModel[7], fromModel[6]}
	if got := numbers.FindAllString(firstEn, -1); !reflect.DeepEqual(got, wantEnNumbers) {
		t.Errorf("the English lead's numbers %v, the model's %v", got, wantEnNumbers)
	}

	// A week later in the first week of a season: up on the week.
	w := gather(t, fixture.Small(t), "4101", "2025-03-12")
	if got := w.Lead(); !strings.Contains(got, "较上周提高") {
		t.Errorf("03-12 (3 approved since 03-05): %s", got)
	}
}
