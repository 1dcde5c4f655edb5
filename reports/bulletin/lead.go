package bulletin

import (
	"fmt"
	"strings"
)

// Lead is the paragraph the page and 总览 open with, in 通报 wording and
// generated from the bulletin model's figures: where the scope stands
// against its quota and time, the change since last week, the first and
// last children by completion, how many recruits are still needed and the
// days to the season's end; then a sentence on recruit quality and one on
// data problems, where there are any. Every number is a column of the
// model, printed by the bulletin's one rounding rule.
func (b *Bulletin) Lead() string {
	l, s := b.Lang, b.Scope
	var parts []string
	net := s.Approved.Int() - s.Returned.Int()
	if s.Returned.Int() > 0 {
		parts = append(parts, fmt.Sprintf(l.T("lead_net_returned"), s.Name(), net, s.Returned.Int()))
	} else {
		parts = append(parts, fmt.Sprintf(l.T("lead_net"), s.Name(), net))
	}
	if c, ok := s.QuotaCompletion.Get(); ok {
		parts = append(parts, fmt.Sprintf(l.T("lead_completion"), Percent(c)))
		if gap, ok := s.PaceGapPrinted.Get(); ok {
			// Behind is the metrics view's verdict (completion_met: the
			// printed completion under the printed time progress).
			switch {
			case s.CompletionMet.Missed():
				parts = append(parts, fmt.Sprintf(l.T("lead_behind"), l.Points(gap)))
			case RoundRate(gap) > 0:
				parts = append(parts, fmt.Sprintf(l.T("lead_ahead"), l.Points(gap)))
			default:
				parts = append(parts, l.T("lead_on_pace"))
			}
		}
		if ch, ok := s.QuotaCompletionChangePrinted.Get(); ok {
			switch {
			case RoundRate(ch) > 0:
				parts = append(parts, fmt.Sprintf(l.T("lead_up"), l.Points(ch)))
			case RoundRate(ch) < 0:
				parts = append(parts, fmt.Sprintf(l.T("lead_down"), l.Points(ch)))
			default:
				parts = append(parts, l.T("lead_same"))
			}
		}
	} else {
		parts = append(parts, l.T("lead_no_quota"))
	}
	text := strings.Join(parts, l.T("comma"))
	if first, last := b.FirstLast(); len(first) > 0 {
		text += l.T("semicolon") + fmt.Sprintf(l.T("lead_first_last"), b.names(first), b.names(last))
	}
	endText := ""
	if d := s.SeasonEnd; d.Valid {
		endText = d.V.Format(l.T("month_day"))
	}
	days := s.DaysLeft.Int()
	switch {
	case s.Quota.Int() == 0:
	case s.StillNeeded.Int() == 0:
		text += l.T("semicolon") + l.T("lead_done")
	case days > 0:
		text += l.T("semicolon") + fmt.Sprintf(l.T("lead_needed"), s.StillNeeded.Int(), endText, days)
	default:
		text += l.T("semicolon") + fmt.Sprintf(l.T("lead_needed_ended"), s.StillNeeded.Int(), endText)
	}
	text += l.T("period")
	if q := b.qualitySentence(); q != "" {
		text += q
	}
	if n := b.FilesWithIssues(); n > 0 {
		var rej, flag int64
		for _, i := range b.Issues {
			if i.Source == "reject" {
				rej += i.Rows
			} else {
				flag += i.Rows
			}
		}
		text += fmt.Sprintf(l.T("lead_data"), rej, flag, n)
	}
	return text
}

// qualitySentence: the college and graduate shares of the approved
// recruits against their targets, once there are recruits to judge.
func (b *Bulletin) qualitySentence() string {
	l, s := b.Lang, b.Scope
	if s.Approved.Int() == 0 {
		return ""
	}
	var parts []string
	for _, q := range []struct {
		label         string
		ratio, target Rate
	}{{"college_ratio", s.CollegeRatio, s.CollegeTarget}, {"graduate_ratio", s.GraduateRatio, s.GraduateTarget}} {
		v, ok := q.ratio.Get()
		tg, tok := q.target.Get()
		if !ok || !tok {
			continue
		}
		name := l.T(q.label)
		if l == English {
			// Mid-sentence: "college ratio", not "College ratio".
			name = strings.ToLower(name[:1]) + name[1:]
		}
		parts = append(parts, fmt.Sprintf(l.T("lead_ratio"), name, Percent(v), Percent(tg)))
	}
	if len(parts) == 0 {
		return ""
	}
	return fmt.Sprintf(l.T("lead_quality"), strings.Join(parts, l.T("comma")))
}

// FirstLast are the first and the last children by completion rank (up to
// three each, never overlapping); none when fewer than two children have a
// completion.
func (b *Bulletin) FirstLast() (first, last []Row) {
	var ranked []Row
	for _, r := range b.ByCompletion() {
		if r.CompletionRank.Valid {
			ranked = append(ranked, r)
		}
	}
	k := min(3, len(ranked)/2)
	if k == 0 {
		return nil, nil
	}
	return ranked[:k], ranked[len(ranked)-k:]
}

func (b *Bulletin) names(rows []Row) string {
	n := make([]string, len(rows))
	for i, r := range rows {
		n[i] = r.Name()
	}
	return strings.Join(n, b.Lang.T("list_sep"))
}
