package main

import (
	"context"
	"fmt"

	"enlist/internal/jobs"
	"enlist/reports/bulletin"
)

// runReport: enlist report weekly|quality.
func runReport(ctx context.Context, e *env, args []string) error {
	kind := ""
	if len(args) > 0 && (args[0] == "weekly" || args[0] == "quality") {
		kind, args = args[0], args[1:]
	}
	fs := e.newFlags("report", "weekly|quality --scope CODE [--as-of DATE] [--year Y --season S] [--out DIR] [--lang zh|en]",
		"weekly: the weekly bulletin (周通报) of a region and its child regions (province → cities,\n"+
			"city → counties, county → towns): one XLSX workbook in the form of a government statistics\n"+
			"table (总览, 任务完成, 兵员质量, 体检政考, 退兵, 退役安置, 数据质量, 图表) and one HTML page that\n"+
			"renders with no network. quality: the data-quality workbook — rejected and flagged rows by\n"+
			"reason, file and region. Reports read the published copy of the warehouse, so they never wait\n"+
			"for a load. Prints the paths written.",
		"  enlist report weekly --scope 41\n"+
			"  enlist report weekly --scope 4101 --as-of 2025-08-31 --out bulletins/ --lang en\n"+
			"  enlist report quality --scope 41 --out bulletins/")
	period := addPeriodFlags(fs)
	out := fs.String("out", ".", "folder for the files (created)")
	lang := fs.String("lang", "zh", "language of the labels: zh or en")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if kind == "" && len(rest) > 0 && (rest[0] == "weekly" || rest[0] == "quality") {
		kind, rest = rest[0], rest[1:]
	}
	if kind == "" {
		return fmt.Errorf("%w: say which report: weekly or quality", errUsage)
	}
	if len(rest) > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, rest[0])
	}
	q, err := period.query()
	if err != nil {
		return err
	}
	l, err := bulletin.ParseLang(*lang)
	if err != nil {
		return fmt.Errorf("%w: --lang: %w", errUsage, err)
	}
	files, err := jobs.Report(ctx, e.site(), kind, q, *out, l, e.announcePeriod,
		func(step string) { e.progress("report %s %s: %s", kind, q.Scope, step) })
	e.progressDone()
	for _, f := range files {
		fmt.Fprintln(e.stdout, f)
	}
	return err
}
