package bulletin

import (
	"fmt"
	"math"
)

// Percent formats a ratio the way the bulletin prints one: 12.3%.
func Percent(v float64) string { return fmt.Sprintf("%.1f%%", 100*v) }

// Behind tells whether a region's completion is behind time by more than
// the configured margin: what the bulletin marks red (false when either
// figure is missing).
func (b *Bulletin) Behind(r Row) bool {
	gap, ok := r.Rate("pace_gap")
	return ok && gap < -b.Targets.BehindMargin-1e-9
}

// CollegeTarget is the college ratio a region is held to: its own target
// where the quotas set one, else the configured one.
func (b *Bulletin) CollegeTarget(r Row) float64 {
	if t, ok := r.Rate("college_target"); ok {
		return t
	}
	return b.Targets.College
}

// attention lists the children behind time by more than the configured
// margin, or whose approved recruits fall below a quality target (a ratio
// with no approvals yet is not judged).
func (b *Bulletin) attention() []Attention {
	var out []Attention
	for _, c := range b.Children {
		var why []string
		if b.Behind(c) {
			done, _ := c.Rate("quota_completion")
			gap, _ := c.Rate("pace_gap")
			why = append(why, fmt.Sprintf(b.Lang.T("behind_pace"), Percent(done), Percent(math.Abs(gap))))
		}
		for _, q := range []struct {
			ratio, target string
			fallback      float64
		}{
			{"college_ratio", "college_target", b.Targets.College},
			{"graduate_ratio", "graduate_target", b.Targets.Graduate},
			{"stem_ratio", "stem_target", b.Targets.Stem},
		} {
			v, ok := c.Rate(q.ratio)
			if !ok {
				continue
			}
			target := q.fallback
			if t, ok := c.Rate(q.target); ok {
				target = t
			}
			if v < target-1e-9 {
				why = append(why, fmt.Sprintf(b.Lang.T("below_target"), b.Lang.T(q.ratio), Percent(v), Percent(target)))
			}
		}
		if len(why) > 0 {
			out = append(out, Attention{Code: c.Code(), Name: c.Name(), Reasons: why})
		}
	}
	return out
}

// RankBy ranks rows by a rate column, highest first; equal values share a
// rank (1, 2, 2, 4) and rows without a value come last, sharing the rank
// after the others.
func RankBy(rows []Row, col string) map[string]int64 {
	type v struct {
		code string
		x    float64
		ok   bool
	}
	vs := make([]v, len(rows))
	for i, r := range rows {
		x, ok := r.Rate(col)
		vs[i] = v{r.Code(), math.Round(x*1e9) / 1e9, ok}
	}
	out := map[string]int64{}
	for _, a := range vs {
		var better int64
		for _, o := range vs {
			if o.ok && (!a.ok || o.x > a.x) {
				better++
			}
		}
		out[a.code] = better + 1
	}
	return out
}
