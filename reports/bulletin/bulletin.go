// Package bulletin gathers what the weekly bulletin (周通报) of a region
// shows: the metrics of the scope and its child regions (the metrics view,
// through internal/metrics), why people failed their examinations and why
// recruits came back, approvals by week, and the data quality of the files
// behind it (the sql/models/4xx report models). It computes no figure of its
// own beyond choosing, ranking and labelling; the XLSX and HTML writers
// (reports/workbook, reports/page) format what it returns.
package bulletin

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"time"

	"enlist/internal/metrics"
	"enlist/internal/warehouse"
)

// Options choose a bulletin.
type Options struct {
	Scope  string    // region code: the bulletin covers it and its children
	AsOf   time.Time // zero = today
	Year   int       // 0 = the as-of date's season (or the latest with data)
	Season int
	Lang   Lang // "" = Chinese
	// Audit gathers what the data-quality report shows: the files and their
	// problems, every one of the files around the scope (the weekly bulletin
	// keeps the rows inside it), and none of the weekly figures beyond the
	// regions' metrics. Both count the warnings that arise between files
	// (two-region registrations, orphans, approvals without double
	// qualification), as the files' current warning counts do.
	Audit bool
	// Fallback: when the as-of date's season has no data, show the latest
	// season with data (saying so) instead of refusing.
	Fallback bool
	// Signature is printed under the workbook's sheets (enlist.yaml bulletin:).
	Signature Signature
	// Day, when not nil, gives the rows every region's bulletin of an as-of
	// date and season shares (day.go), once the date and season are
	// resolved; a Day of another date or season is not used.
	Day func(ctx context.Context, asOf time.Time, year, season int) (*Day, error)
	// Progress, when not nil, hears of each step of the reading as it
	// starts ("2/8 the figures, ranks and verdicts"): for a province of
	// 10,000,000 registrations a bulletin takes seconds, most of them in
	// its first steps, and the person who asked for it is told where it is.
	Progress func(step string)
}

// tell numbers the steps of a reading for Options.Progress.
type tell struct {
	progress func(string)
	n, total int
}

func (t *tell) step(format string, args ...any) {
	t.n++
	if t.progress != nil {
		t.progress(fmt.Sprintf("%d/%d ", t.n, t.total) + fmt.Sprintf(format, args...))
	}
}

// Signature names who fills in and checks the bulletin: 填报单位, 填表人,
// 审核人 (empty leaves a blank to sign by hand).
type Signature struct {
	Unit, Preparer, Reviewer string
}

// Reason is a count of people under one stated reason ("" = none given).
type Reason struct {
	Reason string
	People int64
}

// ReturnReason is returns under one reason.
type ReturnReason struct {
	Reason      string
	Returned    int64
	Responsible int64
}

// Week is the scope's cumulative approvals at the end of a week.
type Week struct {
	End      time.Time
	Approved int64
	Returned int64
	Net      int64 // approved − returned: what quota completion counts
}

// FileQuality is one file in force behind the bulletin.
type FileQuality struct {
	LoadID                 int64
	File, Kind, ExamType   string
	RegionCode, RegionName string
	Read, Accepted         int64
	Rejected, Flagged      int64
	TopSource, TopReason   string // reject or flag; the reason code
	TopLabel               string // the reason's name in the bulletin's language
	TopRows                int64
	Status                 string // loaded (in force) or withdrawn
}

// Issue is rows with one problem, in one file and region.
type Issue struct {
	LoadID     int64  // the file's load
	Source     string // reject or flag
	Reason     string // code
	Label      string // name in the bulletin's language
	File, Kind string
	RegionCode string // the row's region (or the file's)
	Child      string // the child region of the scope it falls in; the scope itself when above or outside
	Rows       int64
}

// Bulletin is everything one weekly bulletin shows.
type Bulletin struct {
	Lang         Lang
	Year, Season int
	AsOf         time.Time
	Scope        Row   // the scope's row of the metrics view
	Children     []Row // by region code
	// Failure and return reasons by region code (scope and children),
	// most frequent first.
	PhysicalReasons  map[string][]Reason
	PoliticalReasons map[string][]Reason
	ReturnReasons    map[string][]ReturnReason
	Weeks            []Week // the scope's, oldest first
	Files            []FileQuality
	Issues           []Issue
	Attention        []Attention
	// Indicators are those enlist.yaml defines (office_indicators), in its
	// order; each row's figures of them are in Row.Office.
	Indicators []Indicator
	Signature  Signature
	Generated  time.Time // when the bulletin is written (填表日期); zero = now

	// Named is the season the as-of date named when it had no data and
	// the bulletin fell back to Year and Season (zero otherwise).
	Named metrics.Season

	// Schools: the universities a city's or province's bulletin ranks
	// (高校征兵); nil for a county or town, or when nobody registered
	// through one.
	Schools *Schools

	labels map[string]string // issue names by source/code
	audit  bool              // Issues include the cross-file warnings
	day    *Day              // the rows shared with other regions' bulletins, or nil
	files  *Files            // the copy's files and their problems (the Day's, when there is one)
}

// Title is the bulletin's title, e.g. 河南省2025年下半年征兵工作周通报.
func (b *Bulletin) Title() string {
	return fmt.Sprintf(b.Lang.T("title"), b.Scope.Name(), b.Year, b.Lang.SeasonName(b.Season))
}

// QualityTitle is the data-quality report's title.
func (b *Bulletin) QualityTitle() string {
	return fmt.Sprintf(b.Lang.T("quality_title"), b.Scope.Name(), b.Year, b.Lang.SeasonName(b.Season))
}

// AsOfLine is the 统计截止日期 line.
func (b *Bulletin) AsOfLine() string {
	line := fmt.Sprintf(b.Lang.T("as_of_line"), b.AsOf.Format(b.Lang.T("date_format")))
	if b.Named.Year != 0 {
		line += fmt.Sprintf(b.Lang.T("fallback_note"), b.Named.Year, b.Lang.SeasonName(b.Named.Season), b.Year, b.Lang.SeasonName(b.Season))
	}
	return line
}

// ShowsFemaleTrack tells whether the bulletin has lines for the women's
// track: the scope has a female quota (its own, or its regions').
func (b *Bulletin) ShowsFemaleTrack() bool { return b.Scope.FemaleQuota.Int() > 0 }

// ShowsMinority tells whether the bulletin has lines for ethnic minorities:
// the office set a target for their share, or the scope registered some.
func (b *Bulletin) ShowsMinority() bool {
	return b.Scope.MinorityTarget.Valid || b.Scope.MinorityRegistered.Int() > 0
}

// ByCompletion returns the children by completion rank (任务完成).
func (b *Bulletin) ByCompletion() []Row {
	return b.childrenBy(func(r Row) Count { return r.CompletionRank })
}

// ByScore returns the children by composite rank (兵员质量's 总评排名).
func (b *Bulletin) ByScore() []Row {
	return b.childrenBy(func(r Row) Count { return r.CompositeRank })
}

// childrenBy returns the children sorted by a rank (1 first), ties by
// region code; children without a rank (no figure to rank) come last.
func (b *Bulletin) childrenBy(rank func(Row) Count) []Row {
	out := append([]Row(nil), b.Children...)
	sort.SliceStable(out, func(i, j int) bool {
		ri, rj := rank(out[i]), rank(out[j])
		if ri.Valid != rj.Valid {
			return ri.Valid
		}
		if ri.V != rj.V {
			return ri.V < rj.V
		}
		return out[i].Code() < out[j].Code()
	})
	return out
}

// WeekSeries is the cumulative series the charts draw: the weeks, or the
// as-of date alone before any approval; when that leaves one point, the
// season's first day at zero comes first, as a line of one point is not
// drawn.
func (b *Bulletin) WeekSeries() []Week {
	weeks := b.Weeks
	if len(weeks) == 0 {
		weeks = []Week{{End: b.AsOf}}
	}
	if start := b.Scope.SeasonStart; start.Valid && len(weeks) == 1 && weeks[0].End.After(start.V) {
		weeks = append([]Week{{End: start.V}}, weeks...)
	}
	return weeks
}

// ChildOf names the child region of the scope that code falls in, or the
// scope itself when code is the scope, above it or elsewhere.
func (b *Bulletin) ChildOf(code string) string {
	for _, c := range b.Children {
		if len(code) >= len(c.Code()) && code[:len(c.Code())] == c.Code() {
			return c.Code()
		}
	}
	return b.Scope.Code()
}

// Gather reads a bulletin from the warehouse.
func Gather(ctx context.Context, wh *warehouse.Warehouse, opt Options) (*Bulletin, error) {
	if opt.Lang == "" {
		opt.Lang = Chinese
	}
	q, err := metrics.Resolve(ctx, wh.DB(), metrics.Query{Scope: opt.Scope, Year: opt.Year, Season: opt.Season, AsOf: opt.AsOf, Depth: 1, Fallback: opt.Fallback})
	if err != nil {
		return nil, err
	}
	var day *Day
	if opt.Day != nil && !opt.Audit {
		if day, err = opt.Day(ctx, q.AsOf, q.Year, q.Season); err != nil {
			return nil, err
		}
		if !day.matches(q.AsOf, q.Year, q.Season) {
			day = nil
		}
	}
	var rows []Row
	// Without a Day, the people are read once for the figures and the
	// universities (people): one connection holds their counts.
	var people *sql.Conn
	// The steps told: 4, and 4 more for the weekly bulletin, 3 fewer with
	// a Day (TestGatherTellsItsSteps counts them in each case).
	t := &tell{progress: opt.Progress, total: 4}
	if !opt.Audit {
		t.total += 4 // exam reasons, returns, weeks, universities
	}
	if day != nil {
		t.total -= 3 // the people, the figures and the files are the Day's
		if rows = day.figuresOf(q.Scope); len(rows) == 0 {
			return nil, fmt.Errorf("%w %s in %d season %d", metrics.ErrNoData, q.Scope, q.Year, q.Season)
		}
	} else {
		t.step("counting the people of %s as of %s and a week earlier", q.Scope, q.AsOf.Format(time.DateOnly))
		var release func()
		if people, release, err = readPeople(ctx, wh, q); err != nil {
			return nil, err
		}
		defer release()
		t.step("the figures, ranks and verdicts")
		if rows, err = readRows(ctx, people, q); err != nil {
			return nil, err
		}
	}
	b := &Bulletin{Lang: opt.Lang, Year: q.Year, Season: q.Season, AsOf: q.AsOf, Named: q.Named, Signature: opt.Signature, audit: opt.Audit, day: day}
	found := false
	for _, r := range rows {
		if r.Code() == q.Scope {
			b.Scope, found = r, true
		} else {
			b.Children = append(b.Children, r)
		}
	}
	if !found {
		return nil, fmt.Errorf("%w %s", metrics.ErrNoData, q.Scope)
	}
	sort.Slice(b.Children, func(i, j int) bool { return b.Children[i].Code() < b.Children[j].Code() })
	if day != nil {
		b.files = day.Files
	} else {
		t.step("the files and the warnings between them")
		if b.files, err = ReadFiles(ctx, wh, q.Year, q.Season); err != nil {
			return nil, err
		}
	}
	type step struct {
		what string // "" for a step too quick to tell of
		read func(context.Context, *warehouse.Warehouse) error
	}
	steps := []step{{"", b.readFiles}, {"", b.readIssues}, {"the office's own indicators", b.readIndicators}}
	if !b.audit {
		steps = append(steps, step{"exam failures by reason", b.readExamReasons}, step{"returns by reason", b.readReturnReasons},
			step{"approvals week by week", b.readWeeks},
			step{"the universities", func(ctx context.Context, _ *warehouse.Warehouse) error { return b.readSchools(ctx, people) }})
	}
	for _, s := range steps {
		if s.what != "" {
			t.step("%s", s.what)
		}
		if err := s.read(ctx, wh); err != nil {
			return nil, err
		}
	}
	if !b.audit {
		b.touchesScope()
		b.Attention = b.attention()
	}
	b.topIssues()
	return b, nil
}

// readPeople counts the people of q's season as of q's date and a week
// earlier by region and school (metrics.CountPeople) into the temporary
// table bulletin_people of a connection it returns, for readRows and
// readSchools: the pass over every person of the province is the
// bulletin's largest cost, and both read the same one. release drops the
// table and gives the connection back.
func readPeople(ctx context.Context, wh *warehouse.Warehouse, q metrics.Query) (conn *sql.Conn, release func(), err error) {
	conn, err = wh.DB().Conn(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("read the people of %s: %w", q.Scope, err)
	}
	drop, err := metrics.CountPeople(ctx, conn, "bulletin_people", q.AsOf, q.AsOf.AddDate(0, 0, -7), q.Year, q.Season)
	if err != nil {
		conn.Close() //nolint:errcheck // nothing was written
		return nil, nil, fmt.Errorf("read the people of %s: %w", q.Scope, err)
	}
	return conn, func() {
		drop()
		conn.Close() //nolint:errcheck // nothing was written
	}, nil
}

// readRows reads the scope's and its children's rows of the metrics view
// (metrics_at, sql/models/210_metrics_at.sql, from readPeople's counts):
// the figures with the bulletin's verdicts, ranks and printed differences.
func readRows(ctx context.Context, people *sql.Conn, q metrics.Query) ([]Row, error) {
	rows, err := people.QueryContext(ctx, `
		SELECT * FROM model_parts.metrics_of(?::DATE, ?, ?, bulletin_people)
		WHERE (region_code = ? OR parent_code = ?) AND year = ? AND season = ?
		ORDER BY region_code`, q.AsOf.Format(time.DateOnly), q.Year, q.Season, q.Scope, q.Scope, q.Year, q.Season)
	if err != nil {
		return nil, fmt.Errorf("read the bulletin's figures of %s: %w", q.Scope, err)
	}
	defer rows.Close()
	out, err := scanRows(rows)
	if err != nil {
		return nil, fmt.Errorf("read the bulletin's figures of %s: %w", q.Scope, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w %s in %d season %d", metrics.ErrNoData, q.Scope, q.Year, q.Season)
	}
	return out, nil
}
