// Package config reads enlist.yaml: the season calendar, quality targets,
// composite-score weights and the thresholds the bulletin uses. Every field
// has a default, so a missing file means the defaults below.
package config

import (
	_ "embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sort"
	"strings"
	"time"
	_ "time/tzdata" // zones must resolve on servers without /usr/share/zoneinfo

	"gopkg.in/yaml.v3"
)

//go:embed default.yaml
var defaultYAML []byte

// Config is what enlist.yaml holds.
type Config struct {
	// Seasons give each season's working window as month-day pairs; the
	// share of it elapsed at the as-of date is the pace (时间进度).
	Seasons map[int]Season `yaml:"seasons"`
	// Targets apply where a quota row sets none.
	Targets Targets `yaml:"targets"`
	// Weights of the composite score (五率总评); they need not sum to 1.
	Weights Weights `yaml:"weights"`
	// SubsidyDeadlineDays: a self-employed veteran's one-time subsidy is on
	// time when paid within this many days of discharge.
	SubsidyDeadlineDays int `yaml:"subsidy_deadline_days"`
	// BehindMargin: a child region is behind when its completion trails
	// the elapsed share of the season by more than this.
	BehindMargin float64 `yaml:"behind_margin"`
	// Resources bound DuckDB's threads and memory and the Go heap.
	Resources Resources `yaml:"resources"`
	// PlacementWindowDays: a veteran with an assigned job counts as due for
	// placement (应安置) once this many days have passed since discharge
	// (or earlier, once placed): placement starts after discharge, so a
	// veteran discharged this week is not yet a shortfall.
	PlacementWindowDays int `yaml:"placement_window_days"`
	// Bulletin: who signs the weekly bulletin and how its attention list
	// judges.
	Bulletin Bulletin `yaml:"bulletin"`
	// Columns teaches enlist an office's own header spellings without a
	// rebuild: "all" or a kind (registrations, exams, …) → header as the
	// office writes it → canonical column. They take precedence over the
	// built-in aliases; ingest --map takes precedence over them.
	Columns map[string]map[string]string `yaml:"columns"`
	// Values teaches value spellings: field (education, result, …) →
	// spelling → code.
	Values map[string]map[string]string `yaml:"values"`
	// Zone is the time zone times are shown to people in (status, jobs,
	// the service's log text); stored times stay UTC.
	Zone string `yaml:"zone"`
	// Publish tunes the copies of the warehouse readers use.
	Publish Publish `yaml:"publish"`
	// Console bounds the web console's queries (console.go).
	Console Console `yaml:"console"`
	// Indicators an office defines without code: SQL expressions over
	// person_facts, shown beside the built-in metrics (see Indicator).
	Indicators []Indicator `yaml:"indicators"`
}

// Indicator is a rate or count an office adds in enlist.yaml: an aggregate
// SQL expression over the rows of person_facts (one per registered
// person), evaluated for every region over the people registered in it,
// e.g. count(*) FILTER (approved AND major_category = 'stem') /
// nullif(count(*) FILTER (approved), 0). It is checked like an analyst's
// query before the warehouse uses it (internal/analyst.CheckIndicator).
type Indicator struct {
	// Name is the indicator's column in the metrics view, office_NAME:
	// lower-case letters, digits and _.
	Name string `yaml:"name"`
	// Label is its Chinese name in the bulletin and the page.
	Label string `yaml:"label"`
	// SQL is the expression.
	SQL string `yaml:"sql"`
	// Format is how it prints: percent (a ratio, the default) or number.
	Format string `yaml:"format"`
	// Target, when set, is judged as the built-in targets are (at or
	// above it, as printed) and gives a score of 100 × min(value /
	// target, 1).
	Target *float64 `yaml:"target"`
	// Weight of that score in the composite (五率总评); 0 leaves it out.
	Weight float64 `yaml:"weight"`

	// File and Line say where the indicator's sql is written, for every
	// message about it.
	File string `yaml:"-"`
	Line int    `yaml:"-"`
}

// UnmarshalYAML keeps the line of the indicator's sql.
func (ind *Indicator) UnmarshalYAML(n *yaml.Node) error {
	type plain Indicator
	var p plain
	if err := n.Decode(&p); err != nil {
		return err
	}
	*ind = Indicator(p)
	ind.Line = n.Line
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == "sql" {
			ind.Line = n.Content[i+1].Line
		}
	}
	return nil
}

// Where is "file:line" of the indicator's sql.
func (ind Indicator) Where() string { return fmt.Sprintf("%s:%d", ind.File, ind.Line) }

// Percent tells whether the indicator prints as a percentage.
func (ind Indicator) Percent() bool { return ind.Format != "number" }

// Bulletin holds the weekly bulletin's settings.
type Bulletin struct {
	// AttentionMinRecruits: a quality ratio (大学生, 大学毕业生, 理工类比例)
	// is judged only on at least this many recruits in its denominator;
	// below it the bulletin shows the count instead of a verdict.
	AttentionMinRecruits int `yaml:"attention_min_recruits"`
	// Unit (填报单位), Preparer (填表人) and Reviewer (审核人) are printed
	// under every sheet of the workbook; empty leaves a blank to sign.
	Unit     string `yaml:"unit"`
	Preparer string `yaml:"preparer"`
	Reviewer string `yaml:"reviewer"`
}

// Publish tunes the published copies.
type Publish struct {
	// KeepVersions is how many published versions stay on disk; an older
	// one is removed once no reader holds it.
	KeepVersions int `yaml:"keep_versions"`
}

// Location is the zone people read times in.
func (c Config) Location() *time.Location {
	if loc, err := time.LoadLocation(c.Zone); err == nil && c.Zone != "" {
		return loc
	}
	return time.UTC
}

// Season is a working window, "MM-DD" to "MM-DD" of the same year.
type Season struct {
	Start string `yaml:"start"`
	End   string `yaml:"end"`
}

// Targets are quality targets as ratios.
type Targets struct {
	CollegeRatio  float64 `yaml:"college_ratio"`
	GraduateRatio float64 `yaml:"graduate_ratio"`
	StemRatio     float64 `yaml:"stem_ratio"`
	ReturnRateMax float64 `yaml:"return_rate_max"`
	PhysicalPass  float64 `yaml:"physical_pass_rate"`
	PoliticalPass float64 `yaml:"political_pass_rate"`
	PlacementRate float64 `yaml:"placement_rate"`
	SubsidyOnTime float64 `yaml:"subsidy_on_time_rate"`
	// MinorityShare is the share of ethnic minorities among applicants
	// (少数民族应征报名比例) an office aims at; unset (the default), the
	// share is shown with no verdict and no score.
	MinorityShare *float64 `yaml:"minority_share"`
}

// Weights of the composite score.
type Weights struct {
	Completion    float64 `yaml:"completion"`
	CollegeRatio  float64 `yaml:"college_ratio"`
	GraduateRatio float64 `yaml:"graduate_ratio"`
	StemRatio     float64 `yaml:"stem_ratio"`
	ReturnRate    float64 `yaml:"return_rate"`
	// MinorityShare weighs the minority share's score; it needs
	// targets.minority_share.
	MinorityShare float64 `yaml:"minority_share"`
}

// Default is the built-in configuration.
func Default() (Config, error) { return parse("built-in defaults", defaultYAML, Config{}) }

// Load reads path over the defaults; a missing file is not an error when
// the path was not given explicitly (explicit=false).
func Load(path string, explicit bool) (Config, error) {
	base, err := Default()
	if err != nil {
		return Config{}, err
	}
	if path == "" {
		return base, nil
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) && !explicit {
		return base, nil
	}
	if err != nil {
		return Config{}, fmt.Errorf("read configuration: %w", err)
	}
	return parse(path, b, base)
}

func parse(name string, b []byte, base Config) (Config, error) {
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	c := base
	// An empty file decodes as io.EOF and stands for "all defaults".
	if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
		return Config{}, fmt.Errorf("configuration %s: %w", name, err)
	}
	for i := range c.Indicators {
		c.Indicators[i].File = name
	}
	if err := c.validate(); err != nil {
		// A setting refused by its key is named with its line, as the
		// schedule files' errors are (file:line: reason).
		var ke *keyError
		if errors.As(err, &ke) {
			if line := lineOf(b, ke.Key); line > 0 {
				return Config{}, fmt.Errorf("configuration %s:%d: %w", name, line, err)
			}
		}
		return Config{}, fmt.Errorf("configuration %s: %w", name, err)
	}
	if err := c.validateIndicators(); err != nil {
		return Config{}, err
	}
	return c, nil
}

func (c Config) validate() error {
	for _, s := range []int{1, 2} {
		w, ok := c.Seasons[s]
		if !ok {
			return fmt.Errorf("seasons: season %d is missing", s)
		}
		if !isMonthDay(w.Start) || !isMonthDay(w.End) || w.End <= w.Start {
			return fmt.Errorf("seasons: season %d window %q–%q must be MM-DD to a later MM-DD", s, w.Start, w.End)
		}
	}
	for name, v := range map[string]float64{
		"targets.college_ratio": c.Targets.CollegeRatio, "targets.graduate_ratio": c.Targets.GraduateRatio,
		"targets.stem_ratio": c.Targets.StemRatio, "targets.return_rate_max": c.Targets.ReturnRateMax,
		"targets.physical_pass_rate": c.Targets.PhysicalPass, "targets.political_pass_rate": c.Targets.PoliticalPass,
		"targets.placement_rate": c.Targets.PlacementRate, "targets.subsidy_on_time_rate": c.Targets.SubsidyOnTime,
		"behind_margin": c.BehindMargin,
	} {
		if v < 0 || v > 1 {
			return fmt.Errorf("%s = %v: a ratio between 0 and 1", name, v)
		}
	}
	if c.Targets.ReturnRateMax == 0 {
		return errors.New("targets.return_rate_max must be above 0 (it scales the return-rate score)")
	}
	w := c.Weights
	for name, v := range map[string]float64{"completion": w.Completion, "college_ratio": w.CollegeRatio,
		"graduate_ratio": w.GraduateRatio, "stem_ratio": w.StemRatio, "return_rate": w.ReturnRate} {
		if v < 0 {
			return fmt.Errorf("weights.%s = %v: weights cannot be negative", name, v)
		}
	}
	if w.MinorityShare < 0 {
		return fmt.Errorf("weights.minority_share = %v: weights cannot be negative", w.MinorityShare)
	}
	if m := c.Targets.MinorityShare; m != nil && (*m <= 0 || *m > 1) {
		return fmt.Errorf("targets.minority_share = %v: a ratio above 0 and at most 1", *m)
	}
	if w.MinorityShare > 0 && c.Targets.MinorityShare == nil {
		return errors.New("weights.minority_share needs targets.minority_share: a share without a target has no score to weigh")
	}
	if w.Completion+w.CollegeRatio+w.GraduateRatio+w.StemRatio+w.ReturnRate == 0 {
		return errors.New("weights: at least one weight must be above 0")
	}
	if c.SubsidyDeadlineDays <= 0 {
		return errors.New("subsidy_deadline_days must be positive")
	}
	if c.PlacementWindowDays < 0 {
		return errors.New("placement_window_days cannot be negative")
	}
	if c.Bulletin.AttentionMinRecruits < 0 {
		return errors.New("bulletin.attention_min_recruits cannot be negative")
	}
	if _, err := time.LoadLocation(c.Zone); err != nil || c.Zone == "" || c.Zone == "Local" {
		return fmt.Errorf("zone %q: use an IANA name such as Asia/Shanghai or UTC", c.Zone)
	}
	if c.Publish.KeepVersions < 1 {
		return fmt.Errorf("publish.keep_versions = %d: keep at least 1", c.Publish.KeepVersions)
	}
	if err := c.Console.validate(); err != nil {
		return err
	}
	return c.Resources.validate()
}

func isMonthDay(s string) bool {
	var m, d int
	if len(s) != 5 || s[2] != '-' {
		return false
	}
	if _, err := fmt.Sscanf(s, "%02d-%02d", &m, &d); err != nil {
		return false
	}
	return m >= 1 && m <= 12 && d >= 1 && d <= 31
}

// Settings flattens the configuration into name → value pairs, the form
// the warehouse's settings table keeps for the SQL models.
func (c Config) Settings() [][2]any {
	out := [][2]any{
		{"target.college_ratio", c.Targets.CollegeRatio},
		{"target.graduate_ratio", c.Targets.GraduateRatio},
		{"target.stem_ratio", c.Targets.StemRatio},
		{"target.return_rate_max", c.Targets.ReturnRateMax},
		{"target.physical_pass_rate", c.Targets.PhysicalPass},
		{"target.political_pass_rate", c.Targets.PoliticalPass},
		{"target.placement_rate", c.Targets.PlacementRate},
		{"target.subsidy_on_time_rate", c.Targets.SubsidyOnTime},
		{"weight.completion", c.Weights.Completion},
		{"weight.college_ratio", c.Weights.CollegeRatio},
		{"weight.graduate_ratio", c.Weights.GraduateRatio},
		{"weight.stem_ratio", c.Weights.StemRatio},
		{"weight.return_rate", c.Weights.ReturnRate},
		{"subsidy_deadline_days", float64(c.SubsidyDeadlineDays)},
		{"behind_margin", c.BehindMargin},
		{"placement_window_days", float64(c.PlacementWindowDays)},
		{"attention_min_recruits", float64(c.Bulletin.AttentionMinRecruits)},
		{"weight.minority_share", c.Weights.MinorityShare},
	}
	// Unset, the minority target has no row: the models read NULL, and
	// judge and score nothing.
	if m := c.Targets.MinorityShare; m != nil {
		out = append(out, [2]any{"target.minority_share", *m})
	}
	if len(c.Indicators) > 0 {
		var w float64
		for _, ind := range c.Indicators {
			w += ind.Weight
		}
		out = append(out, [2]any{"weight.office_indicators", w})
	}
	sort.Slice(out, func(i, j int) bool { return out[i][0].(string) < out[j][0].(string) })
	return out
}

// SeasonOf is the season a date belongs to by the season windows: season 1
// up to the end of season 1's window, season 2 after it — so a date in the
// gap between the windows (with the defaults, October to December, after
// season 2's window) belongs to season 2, and a date before season 2's
// window opens belongs to season 2 as well once season 1's has closed.
// It is the one rule for a row whose season no column or flag gives (at
// load) and for the season an as-of date names (the bulletin), SPEC §4.
func SeasonOf(windows map[int]Season, t time.Time) int {
	if t.Format("01-02") <= windows[1].End {
		return 1
	}
	return 2
}

// CheckSeason checks a season given by a person (a flag, a schedule's
// params): 0 for none, else 1 (上半年) or 2 (下半年).
func CheckSeason(season int) error {
	if season != 0 && season != 1 && season != 2 {
		return errors.New("must be 1 or 2")
	}
	return nil
}
