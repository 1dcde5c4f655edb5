package bulletin

import (
	"database/sql"
	"fmt"
	"reflect"
	"strings"
	"time"
)

// Row is one region's row of the metrics view (sql/models/210_metrics_at.sql,
// the metrics view for any date): every figure, verdict and rank the
// bulletin prints, one field per column, scanned by column name (the db
// tag). A column renamed in SQL fails the scan, and the test that every
// field has a column and every column a field.
type Row struct {
	// The region and the season.
	RegionCode string         `db:"region_code"`
	RegionName string         `db:"region_name"`
	Level      int64          `db:"level"`
	ParentCode sql.NullString `db:"parent_code"`
	Year       int64          `db:"year"`
	Season     int64          `db:"season"`
	AsOfDate   Date           `db:"as_of_date"`

	// SPEC §7 counts and rates (counts_at).
	Quota               Count `db:"quota"`
	Registered          Count `db:"registered"`
	Applied             Count `db:"applied"`
	AppliedToQuota      Rate  `db:"applied_to_quota"`
	PhysicalExamined    Count `db:"physical_examined"`
	PhysicalPassed      Count `db:"physical_passed"`
	PhysicalPassRate    Rate  `db:"physical_pass_rate"`
	PoliticalReviewed   Count `db:"political_reviewed"`
	PoliticalPassed     Count `db:"political_passed"`
	PoliticalPassRate   Rate  `db:"political_pass_rate"`
	DoubleQualified     Count `db:"double_qualified"`
	Approved            Count `db:"approved"`
	Returned            Count `db:"returned"`
	ResponsibleReturned Count `db:"responsible_returned"`
	QuotaCompletion     Rate  `db:"quota_completion"`
	CollegeApproved     Count `db:"college_approved"`
	CollegeRatio        Rate  `db:"college_ratio"`
	GraduateApproved    Count `db:"graduate_approved"`
	GraduateRatio       Rate  `db:"graduate_ratio"`
	StemApproved        Count `db:"stem_approved"`
	StemRatio           Rate  `db:"stem_ratio"`
	ReturnRate          Rate  `db:"return_rate"`
	PlacementDue        Count `db:"placement_due"`
	Placed              Count `db:"placed"`
	PlacementRate       Rate  `db:"placement_rate"`
	AvgPlacementDays    Rate  `db:"avg_placement_days"`
	SelfEmployed        Count `db:"self_employed"`
	SubsidyDue          Count `db:"subsidy_due"`
	SubsidyOnTime       Count `db:"subsidy_on_time"`
	SubsidyOnTimeRate   Rate  `db:"subsidy_on_time_rate"`
	CollegeTarget       Rate  `db:"college_target"`
	GraduateTarget      Rate  `db:"graduate_target"`

	// Whether the season has data of its own, and the names above the region.
	HasData      bool           `db:"has_data"`
	ParentName   sql.NullString `db:"parent_name"`
	ProvinceName sql.NullString `db:"province_name"`
	CityName     sql.NullString `db:"city_name"`
	CountyName   sql.NullString `db:"county_name"`

	// Pace and scores.
	SeasonStart         Date `db:"season_start"`
	SeasonEnd           Date `db:"season_end"`
	ElapsedShare        Rate `db:"elapsed_share"`
	PaceGap             Rate `db:"pace_gap"`
	ProjectedCompletion Rate `db:"projected_completion"`
	CompletionScore     Rate `db:"completion_score"`
	CollegeScore        Rate `db:"college_score"`
	GraduateScore       Rate `db:"graduate_score"`
	StemScore           Rate `db:"stem_score"`
	ReturnScore         Rate `db:"return_score"`
	StemTarget          Rate `db:"stem_target"`
	CompositeScore      Rate `db:"composite_score"`

	// Change since a week earlier (较上周).
	QuotaChange               Count `db:"quota_change"`
	RegisteredChange          Count `db:"registered_change"`
	AppliedChange             Count `db:"applied_change"`
	PhysicalExaminedChange    Count `db:"physical_examined_change"`
	PhysicalPassedChange      Count `db:"physical_passed_change"`
	PoliticalReviewedChange   Count `db:"political_reviewed_change"`
	PoliticalPassedChange     Count `db:"political_passed_change"`
	DoubleQualifiedChange     Count `db:"double_qualified_change"`
	ApprovedChange            Count `db:"approved_change"`
	ReturnedChange            Count `db:"returned_change"`
	ResponsibleReturnedChange Count `db:"responsible_returned_change"`
	CollegeApprovedChange     Count `db:"college_approved_change"`
	GraduateApprovedChange    Count `db:"graduate_approved_change"`
	StemApprovedChange        Count `db:"stem_approved_change"`
	PlacementDueChange        Count `db:"placement_due_change"`
	PlacedChange              Count `db:"placed_change"`
	SelfEmployedChange        Count `db:"self_employed_change"`
	SubsidyDueChange          Count `db:"subsidy_due_change"`
	SubsidyOnTimeChange       Count `db:"subsidy_on_time_change"`
	AppliedToQuotaChange      Rate  `db:"applied_to_quota_change"`
	PhysicalPassRateChange    Rate  `db:"physical_pass_rate_change"`
	PoliticalPassRateChange   Rate  `db:"political_pass_rate_change"`
	QuotaCompletionChange     Rate  `db:"quota_completion_change"`
	CollegeRatioChange        Rate  `db:"college_ratio_change"`
	GraduateRatioChange       Rate  `db:"graduate_ratio_change"`
	StemRatioChange           Rate  `db:"stem_ratio_change"`
	ReturnRateChange          Rate  `db:"return_rate_change"`
	PlacementRateChange       Rate  `db:"placement_rate_change"`
	SubsidyOnTimeRateChange   Rate  `db:"subsidy_on_time_rate_change"`

	// The weekly bulletin's judgements (SPEC §8): printed differences,
	// targets in force, verdicts (达标) and who is named under 需关注.
	PaceGapPrinted               Rate    `db:"pace_gap_printed"`
	QuotaCompletionChangePrinted Rate    `db:"quota_completion_change_printed"`
	ProjectedCompletionPrinted   Rate    `db:"projected_completion_printed"`
	BehindMargin                 Rate    `db:"behind_margin"`
	AttentionMinRecruits         Rate    `db:"attention_min_recruits"`
	ReturnRateMax                Rate    `db:"return_rate_max"`
	PhysicalTarget               Rate    `db:"physical_target"`
	PoliticalTarget              Rate    `db:"political_target"`
	PlacementTarget              Rate    `db:"placement_target"`
	SubsidyTarget                Rate    `db:"subsidy_target"`
	SeasonEnded                  Verdict `db:"season_ended"`
	CompletionTarget             Rate    `db:"completion_target"`
	StillNeeded                  Count   `db:"still_needed"`
	DaysLeft                     Count   `db:"days_left"`
	CompletionMet                Verdict `db:"completion_met"`
	CollegeMet                   Verdict `db:"college_met"`
	GraduateMet                  Verdict `db:"graduate_met"`
	StemMet                      Verdict `db:"stem_met"`
	ReturnMet                    Verdict `db:"return_met"`
	PhysicalMet                  Verdict `db:"physical_met"`
	PoliticalMet                 Verdict `db:"political_met"`
	PlacementMet                 Verdict `db:"placement_met"`
	SubsidyMet                   Verdict `db:"subsidy_met"`
	NoApprovalsLate              Verdict `db:"no_approvals_late"`
	FewRecruits                  Verdict `db:"few_recruits"`
	Behind                       Verdict `db:"behind"`
	PaceSeverity                 Rate    `db:"pace_severity"`
	QualitySeverity              Rate    `db:"quality_severity"`

	// Ranks among sibling regions.
	CompletionRank Count `db:"completion_rank"`
	CompositeRank  Count `db:"composite_rank"`

	// The women's track (女兵) against its own quota, and ethnic
	// minorities (少数民族), with their week-on-week changes.
	FemaleQuota                   Count   `db:"female_quota"`
	FemaleRegistered              Count   `db:"female_registered"`
	FemaleApplied                 Count   `db:"female_applied"`
	FemaleDoubleQualified         Count   `db:"female_double_qualified"`
	FemaleApproved                Count   `db:"female_approved"`
	FemaleReturned                Count   `db:"female_returned"`
	FemaleCounted                 Count   `db:"female_counted"`
	FemaleQuotaCompletion         Rate    `db:"female_quota_completion"`
	MinorityRegistered            Count   `db:"minority_registered"`
	MinorityApplied               Count   `db:"minority_applied"`
	MinorityApproved              Count   `db:"minority_approved"`
	MinorityRegisteredShare       Rate    `db:"minority_registered_share"`
	MinorityAppliedShare          Rate    `db:"minority_applied_share"`
	MinorityApprovedShare         Rate    `db:"minority_approved_share"`
	MinorityScore                 Rate    `db:"minority_score"`
	FemaleQuotaChange             Count   `db:"female_quota_change"`
	FemaleRegisteredChange        Count   `db:"female_registered_change"`
	FemaleAppliedChange           Count   `db:"female_applied_change"`
	FemaleDoubleQualifiedChange   Count   `db:"female_double_qualified_change"`
	FemaleApprovedChange          Count   `db:"female_approved_change"`
	FemaleReturnedChange          Count   `db:"female_returned_change"`
	FemaleCountedChange           Count   `db:"female_counted_change"`
	FemaleQuotaCompletionChange   Rate    `db:"female_quota_completion_change"`
	MinorityRegisteredChange      Count   `db:"minority_registered_change"`
	MinorityAppliedChange         Count   `db:"minority_applied_change"`
	MinorityApprovedChange        Count   `db:"minority_approved_change"`
	MinorityRegisteredShareChange Rate    `db:"minority_registered_share_change"`
	MinorityAppliedShareChange    Rate    `db:"minority_applied_share_change"`
	MinorityApprovedShareChange   Rate    `db:"minority_approved_share_change"`
	MinorityTarget                Rate    `db:"minority_target"`
	MinorityMet                   Verdict `db:"minority_met"`
	FemaleCompletionMet           Verdict `db:"female_completion_met"`

	// Office holds the office_* columns of the indicators enlist.yaml
	// defines (office_NAME, office_NAME_change, _target, _met, _score), by
	// column name: their number is the office's to choose.
	Office map[string]OfficeCell `db:"-"`
}

// OfficeCell is one office_* column: a figure or a verdict.
type OfficeCell struct {
	Rate    Rate
	Verdict Verdict
}

// officePrefix starts the metrics view's columns of an office's indicators.
const officePrefix = "office_"

// Indicator is one indicator an office defines in enlist.yaml, as the
// office_indicators view lists it.
type Indicator struct {
	Name, Column, Label string
	Percent             bool
}

// OfficeLine is an indicator's figures in one region's row.
type OfficeLine struct {
	Value, Change, Target, Score Rate
	Met                          Verdict
}

// OfficeFigures are the row's figures of an office's indicator.
func (r Row) OfficeFigures(ind Indicator) OfficeLine {
	c := func(suffix string) OfficeCell { return r.Office[ind.Column+suffix] }
	return OfficeLine{Value: c("").Rate, Change: c("_change").Rate, Target: c("_target").Rate,
		Score: c("_score").Rate, Met: c("_met").Verdict}
}

// Code is the region code.
func (r Row) Code() string { return r.RegionCode }

// Name is the region name.
func (r Row) Name() string { return r.RegionName }

// Count is a count or rank column; NULL where the season has no data or
// there is nothing to rank.
type Count struct{ sql.Null[int64] }

// Int is the count, 0 when NULL.
func (c Count) Int() int64 { return c.V }

// Cell is what a spreadsheet or page cell shows of a rank: the number, or
// nil (printed "—") when NULL. A float64, written as rates are, so a rank
// cell holds what it held before ranks had a type of their own.
func (c Count) Cell() any {
	if !c.Valid {
		return nil
	}
	return float64(c.V)
}

// Rate is the count as a Rate (NULL stays NULL).
func (c Count) Rate() Rate {
	return Rate{sql.Null[float64]{V: float64(c.V), Valid: c.Valid}}
}

// Rate is a rate, ratio, score or difference; NULL where it has no
// denominator or nothing to judge.
type Rate struct{ sql.Null[float64] }

// Get is the figure and whether there is one.
func (r Rate) Get() (float64, bool) { return r.V, r.Valid }

// Cell is the figure, or nil (printed "—") when NULL.
func (r Rate) Cell() any {
	if !r.Valid {
		return nil
	}
	return r.V
}

// Verdict is a yes/no judgement; NULL when nothing is judged.
type Verdict struct{ sql.Null[bool] }

// Get is the verdict and whether one was made.
func (v Verdict) Get() (yes, ok bool) { return v.V, v.Valid }

// Date is a date column.
type Date struct{ sql.Null[time.Time] }

// rowFields maps each db tag of Row to its field index.
func rowFields() map[string]int {
	t := reflect.TypeFor[Row]()
	out := make(map[string]int, t.NumField())
	for i := range t.NumField() {
		if tag := t.Field(i).Tag.Get("db"); tag != "-" {
			out[tag] = i
		}
	}
	return out
}

// RowColumns are the columns Row scans, in field order: the metrics view's
// columns, every one of them.
func RowColumns() []string {
	t := reflect.TypeFor[Row]()
	var out []string
	for i := range t.NumField() {
		if tag := t.Field(i).Tag.Get("db"); tag != "-" {
			out = append(out, tag)
		}
	}
	return out
}

// scanRows reads rows of the metrics view into Rows by column name. A
// column without a field, or a field without a column, is an error naming
// it: the SQL and the struct have drifted apart.
func scanRows(rows *sql.Rows) ([]Row, error) {
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	fields := rowFields()
	index := make([]int, len(cols))
	seen := map[string]bool{}
	for i, c := range cols {
		f, ok := fields[c]
		if !ok && strings.HasPrefix(c, officePrefix) {
			index[i] = -1
			continue
		}
		if !ok {
			return nil, fmt.Errorf("the metrics view has a column %s that bulletin.Row lacks", c)
		}
		index[i], seen[c] = f, true
	}
	for c := range fields {
		if !seen[c] {
			return nil, fmt.Errorf("bulletin.Row has a field for column %s that the metrics view lacks", c)
		}
	}
	var out []Row
	dest := make([]any, len(cols))
	types, err := rows.ColumnTypes()
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var r Row
		v := reflect.ValueOf(&r).Elem()
		office := map[string]*OfficeCell{}
		for i, f := range index {
			if f >= 0 {
				dest[i] = v.Field(f).Addr().Interface()
				continue
			}
			cell := &OfficeCell{}
			office[cols[i]] = cell
			if types[i].DatabaseTypeName() == "BOOLEAN" {
				dest[i] = &cell.Verdict
			} else {
				dest[i] = &cell.Rate
			}
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		if len(office) > 0 {
			r.Office = make(map[string]OfficeCell, len(office))
			for c, cell := range office {
				r.Office[c] = *cell
			}
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
