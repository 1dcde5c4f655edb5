package analyst

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// IndicatorSource is the view an office's indicator reads: its expression
// names columns of person_facts and nothing else.
const IndicatorSource = "person_facts"

// IndicatorQuery is the query an indicator's expression is checked as, and
// the form in which the metrics evaluate it: the text, unchanged, between
// parentheses on lines of their own (so a -- comment in it ends at its
// own line).
func IndicatorQuery(expr string) string {
	return "SELECT (\n" + expr + "\n) AS v FROM " + IndicatorSource
}

// CheckIndicator decides, without running anything, whether expr is one
// SQL expression over the columns of person_facts (columns: their names,
// any case) that reaches no file, no other table and no function analysts
// may not call: the sandbox check of enlist sql (check, walk), plus the
// rule that an indicator is an expression, not a query — no subquery, no
// clause of its own. The caller adds the indicator's file and line.
func CheckIndicator(ctx context.Context, q queryer, expr string, columns []string) error {
	text := IndicatorQuery(expr)
	var raw string
	if err := q.QueryRowContext(ctx, `SELECT json_serialize_sql(?::VARCHAR)::VARCHAR`, text).Scan(&raw); err != nil {
		return fmt.Errorf("check indicator: %w", err)
	}
	var parsed struct {
		Error        bool   `json:"error"`
		ErrorType    string `json:"error_type"`
		ErrorMessage string `json:"error_message"`
		Statements   []struct {
			Node map[string]any `json:"node"`
		} `json:"statements"`
	}
	if err := json.Unmarshal([]byte(raw), &parsed); err != nil {
		return fmt.Errorf("check indicator: read parser output: %w", err)
	}
	if parsed.Error && parsed.ErrorType == "parser" {
		return fmt.Errorf("the sql does not parse as one expression: %s", parsed.ErrorMessage)
	}
	// Anything else the serialiser refuses holds a statement other than a
	// query.
	if parsed.Error || len(parsed.Statements) != 1 {
		return &Refusal{What: "this sql", Why: "an indicator is one expression over person_facts' columns, not statements"}
	}
	node := parsed.Statements[0].Node
	// Text that closes the parenthesis and goes on (") AS v FROM x WHERE …",
	// "… UNION SELECT …") parses, but is no longer the expression alone.
	from, _ := node["from_table"].(map[string]any)
	list, _ := node["select_list"].([]any)
	if str(node["type"]) != "SELECT_NODE" || len(list) != 1 || from == nil ||
		str(from["type"]) != "BASE_TABLE" || !strings.EqualFold(str(from["table_name"]), IndicatorSource) ||
		node["where_clause"] != nil || node["having"] != nil || node["qualify"] != nil || node["sample"] != nil ||
		notEmpty(node["group_expressions"]) || notEmpty(node["modifiers"]) || notEmpty(cteMap(node)) {
		return &Refusal{What: "this sql", Why: "an indicator is one expression over person_facts' columns, with no clause or query of its own"}
	}
	var found []string
	if err := indicatorNodes(list[0], &found); err != nil {
		return err
	}
	refs := map[string]bool{}
	if err := walk(list[0], nil, refs); err != nil {
		return err
	}
	for name := range refs {
		return &Refusal{What: "table " + name, Why: "an indicator reads the columns of person_facts only"}
	}
	known := map[string]bool{}
	for _, c := range columns {
		known[strings.ToLower(c)] = true
	}
	for _, c := range found {
		if !known[strings.ToLower(c)] {
			return fmt.Errorf("unknown column %s: an indicator names columns of person_facts (enlist schema person_facts lists them: %s)",
				c, strings.Join(slices.Sorted(slices.Values(columns)), ", "))
		}
	}
	return nil
}

// indicatorNodes collects the columns an expression names and refuses a
// subquery, which could read any table.
func indicatorNodes(v any, columns *[]string) error {
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			if err := indicatorNodes(e, columns); err != nil {
				return err
			}
		}
	case map[string]any:
		switch str(x["class"]) {
		case "SUBQUERY":
			return &Refusal{What: "a subquery", Why: "an indicator is an expression over person_facts' columns; a subquery could read other tables"}
		case "COLUMN_REF":
			names, _ := x["column_names"].([]any)
			switch len(names) {
			case 1:
				*columns = append(*columns, str(names[0]))
			case 2:
				if !strings.EqualFold(str(names[0]), IndicatorSource) {
					return &Refusal{What: "column " + str(names[0]) + "." + str(names[1]), Why: "an indicator reads the columns of person_facts only"}
				}
				*columns = append(*columns, str(names[1]))
			default:
				return &Refusal{What: "column " + fmt.Sprint(names...), Why: "an indicator reads the columns of person_facts only"}
			}
		}
		for _, e := range x {
			if err := indicatorNodes(e, columns); err != nil {
				return err
			}
		}
	}
	return nil
}

func notEmpty(v any) bool {
	l, ok := v.([]any)
	return ok && len(l) > 0
}

func cteMap(node map[string]any) any {
	m, _ := node["cte_map"].(map[string]any)
	return m["map"]
}
