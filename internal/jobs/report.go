package jobs

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"enlist/internal/config"
	"enlist/internal/site"
	"enlist/internal/warehouse"
	"enlist/reports"
	"enlist/reports/bulletin"
	"enlist/schedules"
)

// ReportParams are what enlist report takes, for one or more scopes.
// The as-of date is the day the run was due (in the job's zone) unless
// as_of names one: "previous_day" for the day before, or YYYY-MM-DD.
type ReportParams struct {
	Report string   `yaml:"report"` // weekly (default) or quality
	Scopes []string `yaml:"scopes"`
	AsOf   string   `yaml:"as_of"`
	Year   int      `yaml:"year"`
	Season int      `yaml:"season"`
	Out    string   `yaml:"out"`
	Lang   string   `yaml:"lang"`
	// Latest: when the as-of date's season has no data, report the latest
	// season with data (the bulletin says so) instead of failing.
	Latest bool `yaml:"latest"`
}

// AsOf is the as-of date a report run takes: fixed when the schedule names
// a date, else the day the run was due (due, in the job's zone: "due", the
// default), or the day before ("previous_day").
func AsOf(policy string, fixed, due time.Time) time.Time {
	if !fixed.IsZero() {
		return fixed
	}
	if policy == "previous_day" {
		due = due.AddDate(0, 0, -1)
	}
	return time.Date(due.Year(), due.Month(), due.Day(), 0, 0, 0, 0, time.UTC)
}

// WriteReport writes one scope's report from wh: "weekly", the bulletin's
// workbook and page; "quality", the data-quality workbook. It returns the
// files written, with an error those it wrote before failing (a bulletin's
// workbook when its page failed).
func WriteReport(ctx context.Context, wh *warehouse.Warehouse, report string, opt reports.Options) ([]string, error) {
	if report == "quality" {
		path, err := reports.Quality(ctx, wh, opt)
		if err != nil {
			return nil, err
		}
		return []string{path}, nil
	}
	files, err := reports.Weekly(ctx, wh, opt)
	if err != nil {
		if files.XLSX != "" {
			return []string{files.XLSX}, err
		}
		return nil, err
	}
	return []string{files.XLSX, files.HTML}, nil
}

func reportJob(s *site.Site, job schedules.Job) (schedules.Task, error) {
	var p ReportParams
	if err := job.DecodeParams(&p); err != nil {
		return nil, err
	}
	var errs []error
	if p.Report == "" {
		p.Report = "weekly"
	}
	if p.Report != "weekly" && p.Report != "quality" {
		errs = append(errs, job.ParamError("report", "%q: use weekly or quality", p.Report))
	}
	if len(p.Scopes) == 0 {
		errs = append(errs, job.ParamError("scopes", "give the region codes to report on, e.g. [\"41\"]"))
	}
	if err := config.CheckSeason(p.Season); err != nil {
		errs = append(errs, job.ParamError("season", "%v", err))
	}
	var fixed time.Time
	if p.AsOf != "" && p.AsOf != "due" && p.AsOf != "previous_day" {
		t, err := time.Parse(time.DateOnly, p.AsOf)
		if err != nil {
			errs = append(errs, job.ParamError("as_of", "%q: use due, previous_day or YYYY-MM-DD", p.AsOf))
		}
		fixed = t
	}
	if p.Lang == "" {
		p.Lang = "zh"
	}
	lang, err := bulletin.ParseLang(p.Lang)
	if err != nil {
		errs = append(errs, job.ParamError("lang", "%v", err))
	}
	if p.Out == "" {
		p.Out = "bulletins"
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return func(ctx context.Context, run schedules.Run) (schedules.Outcome, error) {
		asOf := AsOf(p.AsOf, fixed, run.Scheduled.In(job.Zone))
		out := run.Dated(s.Beside(p.Out))
		wh, err := s.OpenReader(ctx, false)
		if err != nil {
			return schedules.Outcome{}, err
		}
		defer wh.Close()
		sig, err := s.Signature()
		if err != nil {
			return schedules.Outcome{}, err
		}
		var written []string
		var errs []error
		for _, scope := range p.Scopes {
			opt := reports.Options{Options: bulletin.Options{Scope: scope, AsOf: asOf, Year: p.Year, Season: p.Season, Lang: lang, Signature: sig, Fallback: p.Latest}, Out: out}
			files, err := WriteReport(ctx, wh, p.Report, opt)
			if err != nil {
				errs = append(errs, fmt.Errorf("scope %s: %w", scope, err))
				continue
			}
			written = append(written, files...)
		}
		return schedules.Outcome{
			Message: fmt.Sprintf("%s report as of %s: %s", p.Report, asOf.Format(time.DateOnly), strings.Join(written, ", ")),
			Counts:  map[string]int64{"scopes": int64(len(p.Scopes) - len(errs)), "files": int64(len(written))},
		}, errors.Join(errs...)
	}, nil
}
