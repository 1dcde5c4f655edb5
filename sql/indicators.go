package sql

import (
	"errors"
	"fmt"
	"strings"

	"enlist/internal/config"
)

// IndicatorModels are the models that put the indicators an office defines
// in enlist.yaml into the metrics: office_indicators_at and the
// office_indicators view, generated from the configuration in place of
// 205_office_indicators.sql's empty forms, then the metrics view again (a
// view keeps the columns it had when made) with a comment on each new
// column. Installed after every model file, once the expressions have
// passed the check (internal/analyst.CheckIndicator): the text of each is
// placed, unchanged, between parentheses on lines of its own.
func IndicatorModels(inds []config.Indicator) ([]Model, error) {
	if len(inds) == 0 {
		return nil, nil
	}
	metricsView, err := files.ReadFile("models/300_metrics.sql")
	if err != nil {
		return nil, err
	}
	quote := func(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
	num := func(f *float64) string {
		if f == nil {
			return "NULL::DOUBLE"
		}
		return fmt.Sprintf("%v::DOUBLE", *f)
	}
	var values, exprs, cols, weighted, comments []string
	for i, ind := range inds {
		format := "percent"
		if !ind.Percent() {
			format = "number"
		}
		col := "office_" + ind.Name
		values = append(values, fmt.Sprintf("(%d, %s, %s, %s, %s, %s, %v::DOUBLE, %s)",
			i+1, quote(ind.Name), quote(col), quote(ind.Label), quote(format), num(ind.Target), ind.Weight, quote(ind.SQL)))
		exprs = append(exprs, fmt.Sprintf("        -- %s (%s)\n        CAST((\n%s\n        ) AS DOUBLE) AS v_%s", ind.Label, ind.Where(), ind.SQL, ind.Name))
		v, pv := "c.v_"+ind.Name, "p.v_"+ind.Name
		met, score := "NULL::BOOLEAN", "NULL::DOUBLE"
		if ind.Target != nil {
			t := num(ind.Target)
			if ind.Percent() {
				met = fmt.Sprintf("round(%s, 3) >= round(%s, 3)", v, t)
			} else {
				met = fmt.Sprintf("%s >= %s", v, t)
			}
			if *ind.Target > 0 {
				score = fmt.Sprintf("100 * least(coalesce(%s, 0) / %s, 1.0)", v, t)
			}
			if ind.Weight > 0 {
				weighted = append(weighted, fmt.Sprintf("%v * coalesce(%s_score, 0)", ind.Weight, col))
			}
		}
		cols = append(cols,
			fmt.Sprintf("    %s AS %s", v, col),
			fmt.Sprintf("    %s - %s AS %s_change", v, pv, col),
			fmt.Sprintf("    %s AS %s_target", num(ind.Target), col),
			fmt.Sprintf("    %s AS %s_met", met, col),
			fmt.Sprintf("    %s AS %s_score", score, col))
		what := quote(ind.Label + " (enlist.yaml indicator " + ind.Name + "): " + ind.SQL)
		comments = append(comments,
			fmt.Sprintf("COMMENT ON COLUMN metrics.%s IS %s;", col, what),
			fmt.Sprintf("COMMENT ON COLUMN metrics.%s_change IS '较上周: %s now minus a week earlier';", col, col),
			fmt.Sprintf("COMMENT ON COLUMN metrics.%s_target IS %s;", col, quote("目标 of "+ind.Label+"; NULL when none is set")),
			fmt.Sprintf("COMMENT ON COLUMN metrics.%s_met IS %s;", col, quote("达标: "+ind.Label+" at or above its target as printed; NULL without a target")),
			fmt.Sprintf("COMMENT ON COLUMN metrics.%s_score IS %s;", col, quote("得分: 100 × min(value / target, 1); NULL without a target")))
	}
	weightedScore := "0::DOUBLE"
	if len(weighted) > 0 {
		weightedScore = strings.Join(weighted, "\n    + ")
	}
	// The generated view replaces 205's, and a replaced view loses its
	// comments: they are 205's, said once there.
	viewComments, err := officeIndicatorsComments()
	if err != nil {
		return nil, err
	}
	indicatorsSQL := fmt.Sprintf(`-- office_indicators_at(as_of, y, s): generated from enlist.yaml's
-- indicators (sql/indicators.go). Each expression is evaluated over the
-- person_facts_at rows of every region at every level (the people
-- registered in it), as of as_of and a week earlier.
CREATE OR REPLACE MACRO office_indicators_at(as_of, y, s) AS TABLE
WITH levels AS (
    SELECT unnest([2, 4, 6, 9, 12]) AS n
),
people AS (
    SELECT 'cur' AS t, * FROM person_facts_at(as_of, y, s)
    UNION ALL BY NAME
    SELECT 'prev' AS t, * FROM person_facts_at(CAST(as_of AS DATE) - 7, y, s)
),
valued AS (
    SELECT t, unit AS region_code, year, season,
%s
    FROM (SELECT people.*, left(people.region_code, levels.n) AS unit
          FROM people, levels WHERE length(people.region_code) >= levels.n)
    GROUP BY t, unit, year, season
),
scored AS (
    SELECT c.region_code, c.year, c.season,
%s
    FROM valued c
    LEFT JOIN valued p ON p.t = 'prev' AND p.region_code = c.region_code AND p.year = c.year AND p.season = c.season
    WHERE c.t = 'cur'
)
SELECT scored.*,
    (%s)::DOUBLE AS office_weighted_score
FROM scored;
COMMENT ON MACRO TABLE office_indicators_at IS '自定义指标: the indicators of enlist.yaml (indicators:) by region as of a date, with target, 达标 and score; office_weighted_score is the sum of weight × score the composite adds';

CREATE OR REPLACE VIEW office_indicators AS
SELECT * FROM (VALUES
    %s
) AS t(position, name, column_name, label, format, target, weight, expression);
%s`, strings.Join(exprs, ",\n"), strings.Join(cols, ",\n"),
		weightedScore,
		strings.Join(values, ",\n    "), viewComments)
	return []Model{
		{Name: "900_office_indicators", SQL: indicatorsSQL},
		{Name: "901_metrics", SQL: string(metricsView) + "\n" + strings.Join(comments, "\n") + "\n"},
	}, nil
}

// officeIndicatorsComments are the comments on the office_indicators view
// and its columns as sql/models/205_office_indicators.sql gives them.
func officeIndicatorsComments() (string, error) {
	b, err := files.ReadFile("models/205_office_indicators.sql")
	if err != nil {
		return "", err
	}
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "COMMENT ON VIEW office_indicators ") || strings.HasPrefix(line, "COMMENT ON COLUMN office_indicators.") {
			out = append(out, line)
		}
	}
	if len(out) == 0 {
		return "", errors.New("sql/models/205_office_indicators.sql has no comments on office_indicators")
	}
	return strings.Join(out, "\n") + "\n", nil
}
