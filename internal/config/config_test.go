package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestDefaultsAndOverrides(t *testing.T) {
	c, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	if c.Seasons[1].Start != "01-01" || c.Targets.CollegeRatio != 0.7 || c.SubsidyDeadlineDays != 90 ||
		c.PlacementWindowDays != 30 || c.Bulletin.AttentionMinRecruits != 5 || c.Bulletin.Preparer != "" {
		t.Errorf("defaults = %+v", c)
	}
	p0 := filepath.Join(t.TempDir(), "names.yaml")
	os.WriteFile(p0, []byte("bulletin:\n  unit: 郑州市征兵办公室\n  preparer: 李明\n  reviewer: 王强\n"), 0o644)
	if c, err := Load(p0, true); err != nil || c.Bulletin.Unit != "郑州市征兵办公室" || c.Bulletin.Preparer != "李明" ||
		c.Bulletin.Reviewer != "王强" || c.Bulletin.AttentionMinRecruits != 5 {
		t.Errorf("bulletin names: %+v, %v", c.Bulletin, err)
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "enlist.yaml")
	os.WriteFile(p, []byte("targets:\n  college_ratio: 0.8\nweights:\n  completion: 1\n"), 0o644)
	c, err = Load(p, true)
	if err != nil {
		t.Fatal(err)
	}
	// Only what the file names changes.
	if c.Targets.CollegeRatio != 0.8 || c.Targets.GraduateRatio != 0.5 || c.Weights.Completion != 1 || c.Weights.CollegeRatio != 0.2 {
		t.Errorf("merged = %+v", c)
	}
	if _, err := Load(filepath.Join(dir, "missing.yaml"), false); err != nil {
		t.Errorf("missing default file: %v", err)
	}
	if _, err := Load(filepath.Join(dir, "missing.yaml"), true); err == nil {
		t.Error("missing explicit file accepted")
	}
	empty := filepath.Join(dir, "empty.yaml")
	os.WriteFile(empty, nil, 0o644)
	if _, err := Load(empty, true); err != nil {
		t.Errorf("empty file: %v", err)
	}
}

func TestBadConfigurations(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ text, want string }{
		{"targets:\n  college_ratio: 1.5\n", "targets.college_ratio"},
		{"weights:\n  completion: -1\n", "weights.completion"},
		{"seasons:\n  1: {start: \"03-31\", end: \"01-01\"}\n", "season 1"},
		{"colege_target: 0.7\n", "colege_target"},
		{"subsidy_deadline_days: 0\n", "subsidy_deadline_days"},
		{"placement_window_days: -1\n", "placement_window_days"},
		{"bulletin:\n  attention_min_recruits: -2\n", "bulletin.attention_min_recruits"},
		{"bulletin:\n  auditor: 张三\n", "auditor"},
	} {
		p := filepath.Join(dir, "c.yaml")
		os.WriteFile(p, []byte(tc.text), 0o644)
		_, err := Load(p, true)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), p) {
			t.Errorf("%q: err = %v, want mention of %s and the file", tc.text, err, tc.want)
		}
	}
}

func TestColumnsAndValuesSections(t *testing.T) {
	p := filepath.Join(t.TempDir(), "enlist.yaml")
	if err := os.WriteFile(p, []byte("columns:\n  all:\n    户籍地编码: region_code\n  approvals:\n    日期: approved_on\nvalues:\n  education:\n    全日制本科: bachelor\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := Load(p, true)
	if err != nil {
		t.Fatal(err)
	}
	if c.Columns["all"]["户籍地编码"] != "region_code" || c.Columns["approvals"]["日期"] != "approved_on" ||
		c.Values["education"]["全日制本科"] != "bachelor" {
		t.Errorf("columns %v values %v", c.Columns, c.Values)
	}
	// The seasons and targets keep their defaults beside the new sections.
	if c.Seasons[1].End != "03-31" || c.Targets.CollegeRatio == 0 {
		t.Errorf("defaults lost: %+v", c)
	}
}

// The console's bounds: the defaults, a file's values, and refusals that
// give the file, the line and the key.
func TestConsoleSettings(t *testing.T) {
	c, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	if c.Console.Queries != 2 || c.Console.SQLTimeoutDuration() != time.Minute || c.Console.SQLMaxRows != 10000 || c.Console.SQLDownloadRows != 200000 {
		t.Errorf("defaults = %+v", c.Console)
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "enlist.yaml")
	os.WriteFile(p, []byte("zone: UTC\nconsole:\n  queries: 4\n  sql_timeout: 5m\n  sql_max_rows: 500\n"), 0o644)
	c, err = Load(p, true)
	if err != nil {
		t.Fatal(err)
	}
	if c.Console.Queries != 4 || c.Console.SQLTimeoutDuration() != 5*time.Minute || c.Console.SQLMaxRows != 500 || c.Console.SQLDownloadRows != 200000 {
		t.Errorf("from the file: %+v", c.Console)
	}
	for _, tc := range []struct{ text, want string }{
		{"zone: UTC\nconsole:\n  queries: 0\n", ":3: console.queries = 0: give 1 to 64 queries at once"},
		{"console:\n  sql_timeout: 60\n", `:2: console.sql_timeout = "60": give a duration such as 60s or 5m`},
		{"console:\n  queries: 2\n\n  sql_timeout: -5s\n", `:4: console.sql_timeout = "-5s"`},
		{"console:\n  sql_max_rows: 0\n", ":2: console.sql_max_rows = 0: give 1 to 1000000 rows"},
		{"console: {sql_download_rows: 20000000}\n", ":1: console.sql_download_rows = 20000000"},
		{"console:\n  sql_limit: 5\n", "field sql_limit not found"},
	} {
		os.WriteFile(p, []byte(tc.text), 0o644)
		_, err := Load(p, true)
		if err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: err = %v, want %s and the file", tc.text, err, tc.want)
		}
	}
}
