package metrics

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"
	"time"

	"enlist/internal/analyst"
	"enlist/internal/config"
	"enlist/internal/idnum"
	"enlist/internal/secret"
	"enlist/internal/warehouse"
	"enlist/pipelines/load"
)

// The hand-computed fixture of the women's track (女兵), ethnic minorities
// (少数民族) and an office's own indicator: 2025 season 1 in 郑州市 (4101).
//
//	410102 中原区: general quota 5 and a female quota 2 (a 女兵 row)
//	    410102001  w1 w2 w3 (women)  m1 m2 m3 (men)
//	410103 二七区: general quota 4, no female quota anywhere above it
//	    410103001  w4 (a woman)  m4 m5 m6
//	410104 管城回族区: no quota, nobody
//	4101 郑州市, 41 河南省: no quota rows of their own
//
//	     gender 民族     applied exams         approved           counts against
//	w1   女     汉族     yes     both pass     03-10              女兵 quota of 中原区
//	w2   女     回族     yes     both pass     03-11, ret. 03-15  (returned: nothing)
//	w3   女     汉       yes     physical pass —
//	m1   男     回       yes     both pass     03-12              general quota
//	m2   男     汉族     yes     both pass     03-12              general quota
//	m3   男     (blank)  no      —             —
//	w4   女     满族     yes     both pass     03-13              general quota: no female quota covers 二七区
//	m4   男     Han      yes     both pass     03-13              general quota
//	m5   男     壮族     yes     physical fail —
//	m6   男     其他     yes     —             —                  (其他 is no people of the list: not a minority)
//
// enlist.yaml sets targets.minority_share 0.5 (weight 0) and one indicator,
// double_share = double qualified / applied, target 0.8, weight 0.1.
var (
	tracksBirth = time.Date(2005, 6, 1, 0, 0, 0, 0, time.UTC)
	// Women's identity numbers carry an even sequence number, men's odd.
	trackPerson = map[string]string{
		"w1": idnum.Make("410102", tracksBirth, 202), "w2": idnum.Make("410102", tracksBirth, 204),
		"w3": idnum.Make("410102", tracksBirth, 206), "w4": idnum.Make("410103", tracksBirth, 208),
		"m1": idnum.Make("410102", tracksBirth, 301), "m2": idnum.Make("410102", tracksBirth, 303),
		"m3": idnum.Make("410102", tracksBirth, 305), "m4": idnum.Make("410103", tracksBirth, 307),
		"m5": idnum.Make("410103", tracksBirth, 309), "m6": idnum.Make("410103", tracksBirth, 311),
	}
)

func tracksExtracts(t *testing.T, inbox string) {
	p := trackPerson
	writeCSV(t, inbox, "郑州市2025年上半年兵役登记.csv",
		[]string{"身份证号", "性别", "民族", "区划代码", "登记日期", "是否应征报名", "年度", "季度"},
		[][]string{
			{p["w1"], "女", "汉族", "410102001", "2025-01-05", "是", "2025", "上半年"},
			{p["w2"], "女", "回族", "410102001", "2025-01-05", "是", "2025", "上半年"},
			{p["w3"], "女", "汉", "410102001", "2025-01-06", "是", "2025", "上半年"},
			{p["m1"], "男", "回", "410102001", "2025-01-06", "是", "2025", "上半年"},
			{p["m2"], "男", "汉族", "410102001", "2025-01-07", "是", "2025", "上半年"},
			{p["m3"], "男", "", "410102001", "2025-01-07", "否", "2025", "上半年"},
			{p["w4"], "女", "满族", "410103001", "2025-01-08", "是", "2025", "上半年"},
			{p["m4"], "男", "Han", "410103001", "2025-01-08", "是", "2025", "上半年"},
			{p["m5"], "男", "壮族", "410103001", "2025-01-09", "是", "2025", "上半年"},
			{p["m6"], "男", "其他", "410103001", "2025-01-09", "是", "2025", "上半年"},
		})
	exams := [][]string{}
	for _, who := range []string{"w1", "w2", "w3", "m1", "m2", "w4", "m4"} {
		exams = append(exams, []string{p[who], "体检", "2025-02-15", "合格", ""})
	}
	exams = append(exams, []string{p["m5"], "体检", "2025-02-15", "不合格", "视力"})
	writeCSV(t, inbox, "郑州市2025年上半年体检结果.csv", examHeader, exams)
	pol := [][]string{}
	for _, who := range []string{"w1", "w2", "m1", "m2", "w4", "m4"} {
		pol = append(pol, []string{p[who], "政考", "2025-02-25", "合格", ""})
	}
	writeCSV(t, inbox, "郑州市2025年上半年政治考核结果.csv", examHeader, pol)
	writeCSV(t, inbox, "郑州市2025年上半年定兵名单.csv", approvalHeader, [][]string{
		{p["w1"], "2025-03-10", "2025", "上半年", "", "", ""},
		{p["w2"], "2025-03-11", "2025", "上半年", "2025-03-15", "疾病", "无责"},
		{p["m1"], "2025-03-12", "2025", "上半年", "", "", ""},
		{p["m2"], "2025-03-12", "2025", "上半年", "", "", ""},
		{p["w4"], "2025-03-13", "2025", "上半年", "", "", ""},
		{p["m4"], "2025-03-13", "2025", "上半年", "", "", ""},
	})
	writeCSV(t, inbox, "郑州市2025年征集任务.csv", []string{"年度", "季度", "区划代码", "征集任务数", "征集类别"}, [][]string{
		{"2025", "上半年", "410102", "5", "男兵"},
		{"2025", "上半年", "410102", "2", "女兵"},
		{"2025", "上半年", "410103", "4", ""}, // no track: the general (male) one
	})
}

// tracksConfig is enlist.yaml of the fixture; the indicator's sql is on
// line 7.
const tracksConfig = `targets:
  minority_share: 0.5
indicators:
  - name: double_share
    label: 双合格占报名比例
    target: 0.8
    sql: count(*) FILTER (double_qualified) / nullif(count(*) FILTER (applied), 0)
    weight: 0.1
`

// checkIndicator is the analysts' check the site hands to the warehouse.
func checkIndicator(ctx context.Context, tx *sql.Tx, expr string, columns []string) error {
	return analyst.CheckIndicator(ctx, tx, expr, columns)
}

// wantTracks is every new figure as of 2025-03-20 (day 79 of 90).
//
// 中原区: registered 6, applied 5 (not m3); double qualified 4 (w1 w2 m1 m2);
// approved 4, returned 1 (w2). Women: registered 3, applied 3, double 2,
// approved 2, returned 1; a female row covers them, so counted = 2 − 1 = 1,
// female completion 1/2, and the general completion leaves them out:
// (4 − 1 − 1) / 5 = 2/5 (m1, m2). Minorities: w2 (回族) and m1 (回):
// registered 2 of 6, applied 2 of 5, approved 2 of 4.
//
// 二七区: registered 4, applied 4, double 2 (w4 m4), approved 2, none
// returned. Woman w4: no female quota covers her, counted 0, female quota 0
// (female completion NULL), and she completes the general quota with m4:
// 2 / 4. Minorities: w4 (满族), m5 (壮族) — not m4 (Han), not m6 (其他):
// registered 2 of 4, applied 2 of 4, approved 1 (w4) of 2.
//
// 郑州市 and 河南省: quota 5 + 4 = 9, female quota 2; registered 10, applied
// 9, double 6, approved 6, returned 1; women 4, 4, 3, 3, returned 1, counted
// 1; completion (6 − 1 − 1) / 9 = 4/9; minorities 4 of 10, 4 of 9, 3 of 6.
//
// Minority target 0.5 judges the applied share: 中原区 0.4 (no, score 80),
// 二七区 0.5 (yes, 100), 郑州市 4/9 ≈ 44.4 % (no, score 100 × (4/9) / 0.5).
//
// The indicator double_share = double / applied: 中原区 4/5 = 0.8 (met,
// score 100), 二七区 2/4 (not met, score 62.5), 郑州市 6/9 (not met, score
// 100 × (6/9) / 0.8 = 83.3…). Its week-earlier value (03-13): nobody's
// registration or exam changed since, so the change is 0.
//
// Composite (weights 0.4 completion, 0.2 college, 0.15 graduate, 0.1 STEM,
// 0.15 return, + 0.1 indicator; minority weight 0): nobody gave an
// education, so college, graduate and STEM score 0.
//
//	中原区: completion 100 × 2/5 = 40; return rate 1/4 ≥ 1 %: 0;
//	        (0.4 × 40 + 0.1 × 100) / 1.1 = 26 / 1.1
//	二七区: completion 50; return rate 0: 100;
//	        (0.4 × 50 + 0.15 × 100 + 0.1 × 62.5) / 1.1 = 41.25 / 1.1
//	郑州市: completion 400/9; return 1/6: 0; (0.4 × 400/9 + 0.1 × 250/3) / 1.1
var wantTracks = map[string]row{
	"410102": {
		"quota": 5, "female_quota": 2, "registered": 6, "applied": 5, "double_qualified": 4,
		"approved": 4, "returned": 1, "quota_completion": ratio(2, 5),
		"female_registered": 3, "female_applied": 3, "female_double_qualified": 2, "female_approved": 2,
		"female_returned": 1, "female_counted": 1, "female_quota_completion": ratio(1, 2),
		"minority_registered": 2, "minority_applied": 2, "minority_approved": 2,
		"minority_registered_share": ratio(2, 6), "minority_applied_share": ratio(2, 5), "minority_approved_share": ratio(2, 4),
		"minority_target": 0.5, "minority_met": false, "minority_score": ratio(80, 1),
		"office_double_share": ratio(4, 5), "office_double_share_target": 0.8, "office_double_share_met": true,
		"office_double_share_score": 100.0, "office_double_share_change": 0.0,
		"composite_score": ratio(26, 1.1),
	},
	"410103": {
		"quota": 4, "female_quota": 0, "registered": 4, "applied": 4, "double_qualified": 2,
		"approved": 2, "returned": 0, "quota_completion": ratio(2, 4),
		"female_registered": 1, "female_applied": 1, "female_double_qualified": 1, "female_approved": 1,
		"female_returned": 0, "female_counted": 0, "female_quota_completion": null,
		"minority_registered": 2, "minority_applied": 2, "minority_approved": 1,
		"minority_registered_share": ratio(2, 4), "minority_applied_share": ratio(2, 4), "minority_approved_share": ratio(1, 2),
		"minority_met": true, "minority_score": 100.0,
		"office_double_share": ratio(2, 4), "office_double_share_met": false, "office_double_share_score": 62.5,
		"composite_score": ratio(41.25, 1.1),
	},
	"4101": {
		"quota": 9, "female_quota": 2, "registered": 10, "applied": 9, "double_qualified": 6,
		"approved": 6, "returned": 1, "quota_completion": ratio(4, 9),
		"female_registered": 4, "female_applied": 4, "female_double_qualified": 3, "female_approved": 3,
		"female_returned": 1, "female_counted": 1, "female_quota_completion": ratio(1, 2),
		"minority_registered": 4, "minority_applied": 4, "minority_approved": 3,
		"minority_registered_share": ratio(4, 10), "minority_applied_share": ratio(4, 9), "minority_approved_share": ratio(3, 6),
		"minority_met": false, "minority_score": ratio(100*4, 9*0.5),
		"office_double_share": ratio(6, 9), "office_double_share_met": false, "office_double_share_score": ratio(100*6, 9*0.8),
		"composite_score": ratio(0.4*400/9+0.1*100*6/(9*0.8), 1.1),
	},
	"41": {
		"quota": 9, "female_quota": 2, "quota_completion": ratio(4, 9), "female_quota_completion": ratio(1, 2),
		"female_counted": 1, "minority_applied_share": ratio(4, 9),
	},
	"410104": { // nobody and no quota: zeros, NULL shares, no indicator value
		"quota": 0, "female_quota": 0, "female_counted": 0, "female_quota_completion": null,
		"minority_registered": 0, "minority_applied_share": null, "minority_met": null,
		"office_double_share": null, "office_double_share_met": null,
	},
}

// wantTrackRows is the track_metrics view's rows: each track's own counts
// and what completes its quota; the two tracks add up to the metrics above.
var wantTrackRows = map[string]row{
	"410102/male":   {"quota": 5, "registered": 3, "applied": 2, "approved": 2, "returned": 0, "counted": 2, "quota_completion": ratio(2, 5), "minority_applied": 1},
	"410102/female": {"quota": 2, "registered": 3, "applied": 3, "approved": 2, "returned": 1, "counted": 1, "quota_completion": ratio(1, 2), "minority_applied": 1},
	// w4 is a woman in the female track's counts, but no female quota
	// covers her: she completes the male (general) quota.
	"410103/male":   {"quota": 4, "registered": 3, "applied": 3, "approved": 1, "counted": 2, "quota_completion": ratio(2, 4)},
	"410103/female": {"quota": 0, "registered": 1, "applied": 1, "approved": 1, "counted": 0, "quota_completion": null},
	"4101/male":     {"quota": 9, "registered": 6, "double_qualified": 3, "approved": 3, "counted": 4, "quota_completion": ratio(4, 9)},
	"4101/female":   {"quota": 2, "registered": 4, "double_qualified": 3, "approved": 3, "counted": 1, "quota_completion": ratio(1, 2)},
}

func TestHandComputedTracks(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	inbox := filepath.Join(dir, "inbox")
	tracksExtracts(t, inbox)
	yaml := filepath.Join(dir, "enlist.yaml")
	if err := os.WriteFile(yaml, []byte(tracksConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(yaml, true)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(secret.EnvVar, "metrics-fixture-secret-0123456789")
	key, err := secret.Load("")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "w.duckdb")
	wh, err := warehouse.Open(ctx, path, warehouse.Options{Threads: 2, Config: &cfg, CheckIndicator: checkIndicator})
	if err != nil {
		t.Fatal(err)
	}
	l, err := load.NewLoader(wh, key, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	results, err := l.LoadPaths(ctx, []string{inbox}, load.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range results {
		if r.Status != "loaded" || r.Rejected != 0 {
			t.Fatalf("%s: status %s, %d rejected %v", filepath.Base(r.File), r.Status, r.Rejected, r.Reasons)
		}
	}

	got := readMetrics(t, wh, "41", 2025, 1, "2025-03-20", 2)
	for code, want := range wantTracks {
		checkRow(t, code, got[code], want)
	}

	// Every metric per track: the track_metrics view.
	for key, want := range wantTrackRows {
		var code, track string
		for i := range key {
			if key[i] == '/' {
				code, track = key[:i], key[i+1:]
			}
		}
		rows, err := wh.DB().QueryContext(ctx, `SELECT * FROM track_metrics_at(DATE '2025-03-20', 2025, 1) WHERE region_code = ? AND track = ?`, code, track)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		if !rows.Next() {
			t.Fatalf("track_metrics has no row %s", key)
		}
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		rows.Close()
		r := row{}
		for i, c := range cols {
			r[c] = vals[i]
		}
		checkRow(t, "track_metrics "+key, r, want)
	}

	// Unset (the default configuration), the minority target judges and
	// scores nothing, the indicator is gone, and the composite is the five
	// rates' alone: 中原区 0.4 × 40 / 1.0 = 16.
	if err := wh.Close(); err != nil {
		t.Fatal(err)
	}
	wh, err = warehouse.Open(ctx, path, warehouse.Options{Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	got = readMetrics(t, wh, "41", 2025, 1, "2025-03-20", 2)
	checkRow(t, "410102 (defaults)", got["410102"], row{
		"minority_target": null, "minority_met": null, "minority_score": null,
		"minority_applied_share": ratio(2, 5), "composite_score": 16.0, "quota_completion": ratio(2, 5),
	})
	if _, ok := got["410102"]["office_double_share"]; ok {
		t.Error("the indicator outlived its removal from enlist.yaml")
	}
}
