package bulletin

import (
	"fmt"
	"strings"
	"time"
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
	net := s.Int("approved") - s.Int("returned")
	if s.Int("returned") > 0 {
		parts = append(parts, fmt.Sprintf(l.T("lead_net_returned"), s.Name(), net, s.Int("returned")))
	} else {
		parts = append(parts, fmt.Sprintf(l.T("lead_net"), s.Name(), net))
	}
	if c, ok := s.Rate("quota_completion"); ok {
		parts = append(parts, fmt.Sprintf(l.T("lead_completion"), Percent(c)))
		if gap, ok := s.Rate("pace_gap"); ok {
			switch {
			case RoundRate(gap) < 0:
				parts = append(parts, fmt.Sprintf(l.T("lead_behind"), l.Points(gap)))
			case RoundRate(gap) > 0:
				parts = append(parts, fmt.Sprintf(l.T("lead_ahead"), l.Points(gap)))
			default:
				parts = append(parts, l.T("lead_on_pace"))
			}
		}
		if ch, ok := s.Rate("quota_completion_change"); ok {
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
	if d, ok := s["season_end"].(time.Time); ok {
		endText = d.Format(l.T("month_day"))
	}
	days := s.Int("days_left")
	switch {
	case s.Int("quota") == 0:
	case s.Int("still_needed") == 0:
		text += l.T("semicolon") + l.T("lead_done")
	case days > 0:
		text += l.T("semicolon") + fmt.Sprintf(l.T("lead_needed"), s.Int("still_needed"), endText, days)
	default:
		text += l.T("semicolon") + fmt.Sprintf(l.T("lead_needed_ended"), s.Int("still_needed"), endText)
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
	if s.Int("approved") == 0 {
		return ""
	}
	var parts []string
	for _, q := range []struct{ ratio, target string }{{"college_ratio", "college_target"}, {"graduate_ratio", "graduate_target"}} {
		v, ok := s.Rate(q.ratio)
		tg, tok := s.Rate(q.target)
		if !ok || !tok {
			continue
		}
		name := l.T(q.ratio)
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
	for _, r := range b.ChildrenBy("completion_rank") {
		if _, ok := r.Rate("completion_rank"); ok {
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
