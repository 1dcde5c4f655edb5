package bulletin

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Round is the bulletin's one rounding rule: half away from zero to the
// given decimals. Ratios are printed as percentages with one decimal, so a
// ratio rounds to three decimals (RoundRate). The nudge of a billionth of
// the last digit absorbs binary representation: 0.6625 is stored just
// under 0.6625, yet prints as 66.3% in LibreOffice and Excel, as here. The
// verdict columns of the metrics view (sql/models/210_metrics_at.sql)
// compare figures rounded the same way (DuckDB's round of a DOUBLE).
func Round(v float64, decimals int) float64 {
	p := math.Pow(10, float64(decimals))
	x := v * p
	return math.Round(x+math.Copysign(1e-9, x)) / p
}

// RoundRate is a ratio as the bulletin prints it: 0.6625 → 0.663 (66.3%).
func RoundRate(v float64) float64 { return Round(v, 3) }

func oneDecimal(v float64) string {
	s := strconv.FormatFloat(Round(v, 1), 'f', 1, 64)
	if s == "-0.0" {
		return "0.0"
	}
	return s
}

// Percent formats a ratio the way the bulletin prints one: 12.3%.
func Percent(v float64) string { return oneDecimal(100*v) + "%" }

// Points formats a difference of two rates in percentage points
// (个百分点), unsigned: 16.8个百分点.
func (l Lang) Points(v float64) string {
	return fmt.Sprintf(l.T("points"), oneDecimal(math.Abs(100*v)))
}

// SignedPoints is a change of a rate: +41.9个百分点, -3.0个百分点.
func (l Lang) SignedPoints(v float64) string {
	s := oneDecimal(100 * v)
	if !strings.HasPrefix(s, "-") && s != "0.0" {
		s = "+" + s
	}
	return fmt.Sprintf(l.T("points"), s)
}

// Times formats a ratio of two counts as a multiple: 5.8倍.
func (l Lang) Times(v float64) string { return fmt.Sprintf(l.T("times"), oneDecimal(v)) }

// Missed tells whether a rate is coloured: the metrics view judged it
// (a *_met column) and it misses its target.
func (v Verdict) Missed() bool { return v.Valid && !v.V }

// Attention kinds: 进度 (pace) and 质量 (quality) are listed apart.
const (
	Pace    = "pace"
	Quality = "quality"
)

// Attention is a child region named under 需关注, for pace or for quality.
type Attention struct {
	Code, Name string
	Kind       string  // Pace or Quality
	Severity   float64 // how far short (a ratio); the list runs from the worst
	Reasons    []string
}

// attention lists the children the metrics view names under 需关注:
// pace first, then quality, each from the most severe; ties by code.
func (b *Bulletin) attention() []Attention {
	var pace, quality []Attention
	for _, c := range b.Children {
		if sev, ok := c.PaceSeverity.Get(); ok {
			var why string
			if c.Behind.V {
				why = fmt.Sprintf(b.Lang.T("behind_pace"), Percent(c.QuotaCompletion.V), b.Lang.Points(c.PaceGapPrinted.V))
			} else {
				why = fmt.Sprintf(b.Lang.T("no_approvals"), c.Applied.Int())
			}
			pace = append(pace, Attention{Code: c.Code(), Name: c.Name(), Kind: Pace, Severity: sev, Reasons: []string{why}})
		}
		if sev, ok := c.QualitySeverity.Get(); ok {
			var why []string
			for _, q := range []struct {
				label         string
				met           Verdict
				ratio, target Rate
			}{
				{"college_ratio", c.CollegeMet, c.CollegeRatio, c.CollegeTarget},
				{"graduate_ratio", c.GraduateMet, c.GraduateRatio, c.GraduateTarget},
				{"stem_ratio", c.StemMet, c.StemRatio, c.StemTarget},
			} {
				if q.met.Missed() {
					why = append(why, fmt.Sprintf(b.Lang.T("below_target"), b.Lang.T(q.label), Percent(q.ratio.V), Percent(q.target.V)))
				}
			}
			if c.ReturnMet.Missed() {
				why = append(why, fmt.Sprintf(b.Lang.T("above_max"), b.Lang.T("return_rate"), Percent(c.ReturnRate.V), Percent(c.ReturnRateMax.V)))
			}
			quality = append(quality, Attention{Code: c.Code(), Name: c.Name(), Kind: Quality, Severity: sev, Reasons: why})
		}
	}
	for _, l := range [][]Attention{pace, quality} {
		sort.SliceStable(l, func(i, j int) bool {
			if l[i].Severity != l[j].Severity {
				return l[i].Severity > l[j].Severity
			}
			return l[i].Code < l[j].Code
		})
	}
	return append(pace, quality...)
}

// AttentionOf returns the attention entries of one kind, in order.
func (b *Bulletin) AttentionOf(kind string) []Attention {
	var out []Attention
	for _, a := range b.Attention {
		if a.Kind == kind {
			out = append(out, a)
		}
	}
	return out
}

// NoneLine is what the bulletin says under a kind with nobody named: every
// child at or above time progress, or none behind by more than the margin;
// every judged recruit ratio on target.
func (b *Bulletin) NoneLine(kind string) string {
	if kind == Quality {
		return b.Lang.T("quality_all_met")
	}
	for _, c := range b.Children {
		if c.CompletionMet.Missed() {
			return fmt.Sprintf(b.Lang.T("none_behind_margin"), b.Lang.Points(c.BehindMargin.V))
		}
	}
	return b.Lang.T("all_on_pace")
}

// FewRecruits names the children whose recruit ratios are not judged
// (the metrics view's few_recruits: some approvals, but fewer than the
// configured minimum). The bulletin shows their counts instead of a verdict.
func (b *Bulletin) FewRecruits() string {
	var parts []string
	for _, c := range b.Children {
		if c.FewRecruits.V {
			parts = append(parts, fmt.Sprintf(b.Lang.T("recruits_count"), c.Name(), c.Approved.Int()))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return fmt.Sprintf(b.Lang.T("few_recruits"), int(b.Scope.AttentionMinRecruits.V), strings.Join(parts, b.Lang.T("list_sep")))
}
