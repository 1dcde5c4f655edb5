package warehouse

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"enlist/internal/config"
)

// IndicatorCheck is the analysts' sandbox check of an indicator's
// expression (analyst.CheckIndicator), handed in by the caller: the
// analysts' package opens warehouses in its own tests, so the warehouse
// cannot import it.
type IndicatorCheck func(ctx context.Context, tx *sql.Tx, expr string, columns []string) error

// checkIndicators refuses an indicator of enlist.yaml whose SQL is not an
// aggregate expression over person_facts' columns alone: first the
// sandbox check analysts' queries pass (analyst.CheckIndicator: it parses,
// reads no file, no other table, no unknown column), then DuckDB binds it
// as the metrics will evaluate it, over one region's people, which finds
// a column outside an aggregate and a value that is not a number. Nothing
// of it runs. Every message starts with the file and line of its sql.
func checkIndicators(ctx context.Context, tx *sql.Tx, inds []config.Indicator, check IndicatorCheck) error {
	if len(inds) == 0 {
		return nil
	}
	if check == nil {
		return fmt.Errorf("%s: indicators need the analysts' SQL check, and this open gave none (warehouse.Options.CheckIndicator)", inds[0].Where())
	}
	const facts = `person_facts_at(DATE '2000-01-01', 2000, 1)`
	var columns []string
	rows, err := tx.QueryContext(ctx, `SELECT column_name FROM (DESCRIBE SELECT * FROM `+facts+`)`)
	if err != nil {
		return fmt.Errorf("read person_facts' columns: %w", err)
	}
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			rows.Close()
			return fmt.Errorf("read person_facts' columns: %w", err)
		}
		columns = append(columns, c)
	}
	if err := rows.Close(); err != nil {
		return fmt.Errorf("read person_facts' columns: %w", err)
	}
	for _, ind := range inds {
		refuse := func(err error) error {
			return fmt.Errorf("%s: indicator %s refused: %w", ind.Where(), ind.Name, err)
		}
		if err := check(ctx, tx, ind.SQL, columns); err != nil {
			return refuse(err)
		}
		var typ string
		err := tx.QueryRowContext(ctx, `SELECT column_type FROM (DESCRIBE SELECT unit, (
`+ind.SQL+`
) AS v FROM (SELECT *, left(region_code, 2) AS unit FROM `+facts+`) GROUP BY unit) WHERE column_name = 'v'`).Scan(&typ)
		if err != nil {
			return refuse(fmt.Errorf("%w (an indicator is an aggregate over a region's people, such as "+
				"count(*) FILTER (approved AND stem) / nullif(count(*) FILTER (approved), 0))", err))
		}
		if !numeric(typ) {
			return refuse(fmt.Errorf("its value is %s, not a number: an indicator is a count, a sum or a ratio", typ))
		}
	}
	return nil
}

func numeric(typ string) bool {
	t := strings.ToUpper(typ)
	for _, p := range []string{"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
		"UINTEGER", "UBIGINT", "UHUGEINT", "FLOAT", "DOUBLE", "DECIMAL"} {
		if strings.HasPrefix(t, p) {
			return true
		}
	}
	return false
}
