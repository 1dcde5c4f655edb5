package main

import (
	"context"
	"fmt"

	"enlist/internal/jobs"
	"enlist/internal/tabular"
)

// tableColumns are what fits a terminal; csv and json carry every column.
var tableColumns = []string{"region_code", "region_name", "quota", "registered", "applied",
	"physical_pass_rate", "political_pass_rate", "double_qualified", "approved", "returned",
	"quota_completion", "elapsed_share", "college_ratio", "graduate_ratio", "stem_ratio",
	"placement_rate", "composite_score", "composite_rank"}

// schoolTableColumns are the --schools table's; csv and json carry all.
var schoolTableColumns = []string{"approved_rank", "school_code", "school_name", "county_name", "students",
	"registered", "applied", "physical_examined", "double_qualified", "approved", "returned", "quota",
	"quota_completion", "applied_per_thousand", "applied_rate_rank"}

func runMetrics(ctx context.Context, e *env, args []string) error {
	fs := e.newFlags("metrics", "--scope CODE [--year Y --season S] [--as-of DATE] [--depth N] [--schools] [--format table|csv|json]",
		"Print every metric of a region and its descendants (quota, registrations, qualification rates,\n"+
			"approvals, completion, quality ratios, resettlement, pace and composite score), as defined by\n"+
			"the SQL models in sql/models. Rates are blank where their denominator is zero. The table\n"+
			"format shows the main columns; csv and json carry all of them. With --schools, the\n"+
			"universities sitting in the region instead (高校征兵: their students and graduates of the\n"+
			"year registered, applied, examined, double qualified, approved and returned, their own\n"+
			"quota, and applied per thousand students), ranked by approved.",
		"  enlist metrics --scope 41 --depth 1\n"+
			"  enlist metrics --scope 4101 --schools --as-of 2025-08-31\n"+
			"  enlist metrics --scope 410102 --year 2025 --season 1 --as-of 2025-03-05 --depth 2 --format csv")
	period := addPeriodFlags(fs)
	depth := fs.Int("depth", 1, "levels below the scope to include")
	format := fs.String("format", "table", "table, csv or json")
	schools := fs.Bool("schools", false, "list the universities in the region (高校) instead of its regions")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return fmt.Errorf("%w: give --scope CODE", errUsage)
	}
	q, err := period.query()
	if err != nil {
		return err
	}
	if *format != "table" && *format != "csv" && *format != "json" {
		return fmt.Errorf("%w: --format must be table, csv or json", errUsage)
	}
	q.Depth = *depth
	frame, err := jobs.ReadMetrics(ctx, e.site(), q, *schools, e.announcePeriod)
	if err != nil {
		return err
	}
	if *format == "table" {
		columns := tableColumns
		if *schools {
			columns = schoolTableColumns
		}
		frame = frame.Select(columns...)
	}
	return tabular.Write(e.stdout, *format, frame)
}
