package warehouse

import (
	"context"
	"database/sql/driver"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/duckdb/duckdb-go/v2"
)

// tempWarehouse is a new warehouse in the test's folder, closed when the
// test ends.
func tempWarehouse(t *testing.T) *Warehouse {
	t.Helper()
	wh, err := Open(context.Background(), filepath.Join(t.TempDir(), "w.duckdb"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wh.Close() })
	return wh
}

func TestBulkRoundTrip(t *testing.T) {
	ctx := context.Background()
	wh := tempWarehouse(t)
	day := time.Date(2025, 3, 5, 0, 0, 0, 0, time.UTC)
	person := duckdb.UUID{0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 1, 2, 3, 4, 5, 6, 7, 8}
	err := wh.WithConn(ctx, func(c *Conn) error {
		if err := c.Begin(ctx); err != nil {
			return err
		}
		b, err := c.NewBulk(ctx, "resettlement")
		if err != nil {
			return err
		}
		for i := 0; i < 3; i++ {
			var placed any
			if i == 1 {
				placed = day.AddDate(0, 1, 0)
			}
			if err := b.Append(int64(7), int32(i+2), person, "410102", day, "conscript", "assigned_job",
				placed, nil, 3.0, 12345.67, nil); err != nil {
				return err
			}
		}
		if err := b.Close(ctx); err != nil {
			return err
		}
		return c.Commit(ctx)
	})
	if err != nil {
		t.Fatal(err)
	}
	var n int
	var p string
	var amount float64
	var placed time.Time
	if err := wh.DB().QueryRow(`SELECT count(*), any_value(person::VARCHAR), sum(subsidy_amount)::DOUBLE, max(placed_on)
		FROM resettlement WHERE discharged_on = DATE '2025-03-05'`).Scan(&n, &p, &amount, &placed); err != nil {
		t.Fatal(err)
	}
	if n != 3 || p != "12345678-9abc-def0-0102-030405060708" || amount != 3*12345.67 && amount-3*12345.67 > 1e-6 || !placed.Equal(day.AddDate(0, 1, 0)) {
		t.Errorf("got %d rows, person %s, amount %v, placed %v", n, p, amount, placed)
	}
	// The Arrow scan's view must not outlive the load: a stored view over a
	// released stream crashes whoever queries it.
	var views int
	if err := wh.DB().QueryRow(`SELECT count(*) FROM duckdb_views() WHERE view_name LIKE 'enlist_bulk_%'`).Scan(&views); err != nil {
		t.Fatal(err)
	}
	if views != 0 {
		t.Errorf("%d bulk-load views left in the catalog", views)
	}
}

func TestBulkRollback(t *testing.T) {
	ctx := context.Background()
	wh := tempWarehouse(t)
	err := wh.WithConn(ctx, func(c *Conn) error {
		if err := c.Begin(ctx); err != nil {
			return err
		}
		b, err := c.NewBulk(ctx, "row_flags")
		if err != nil {
			return err
		}
		for i := 0; i < 100_000; i++ { // more than one batch
			if err := b.Append(int64(1), int32(i), "registrations", "410102", int32(2025), int8(1), "age_rule", nil); err != nil {
				return err
			}
		}
		if err := b.Close(ctx); err != nil {
			return err
		}
		return c.Rollback(ctx)
	})
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := wh.DB().QueryRow(`SELECT count(*) FROM row_flags`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("after rollback %d rows (%v)", n, err)
	}
}

func BenchmarkBulkRegistrations(b *testing.B) {
	ctx := context.Background()
	wh, err := Open(ctx, filepath.Join(b.TempDir(), "w.duckdb"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer wh.Close()
	day := time.Date(2025, 3, 5, 0, 0, 0, 0, time.UTC)
	const n = 200_000
	vals := make([]driver.Value, 0, 16)
	b.ResetTimer()
	for it := 0; it < b.N; it++ {
		err = wh.WithConn(ctx, func(c *Conn) error {
			if err := c.Begin(ctx); err != nil {
				return err
			}
			bk, err := c.NewBulk(ctx, "registrations")
			if err != nil {
				return err
			}
			for i := 0; i < n; i++ {
				var p duckdb.UUID
				p[0], p[1], p[2] = byte(i), byte(i>>8), byte(i>>16)
				vals = append(vals[:0], int64(it), int32(i), p, "male", int16(2005), "410102", "410102001",
					"bachelor", "in_school", "stem", "郑州大学", "汉族", day, true, int32(2025), int8(1))
				if err := bk.Append(vals...); err != nil {
					return err
				}
			}
			if err := bk.Close(ctx); err != nil {
				return err
			}
			return c.Commit(ctx)
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "rows/s")
}

// A bulk writer takes the columns it is given by name, in any order; the
// table's other columns stay NULL. A pseudonym may come as a plain [16]byte
// (validation does not import the DuckDB driver).
func TestBulkNamedColumns(t *testing.T) {
	ctx := context.Background()
	wh := tempWarehouse(t)
	day := time.Date(2025, 3, 5, 0, 0, 0, 0, time.UTC)
	person := [16]byte{0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 1, 2, 3, 4, 5, 6, 7, 8}
	err := wh.WithConn(ctx, func(c *Conn) error {
		if err := c.Begin(ctx); err != nil {
			return err
		}
		if _, err := c.NewBulk(ctx, "approvals", "load_id", "no_such_column"); err == nil ||
			!strings.Contains(err.Error(), "no_such_column") {
			t.Errorf("unknown column: %v", err)
		}
		b, err := c.NewStream(ctx, "approvals", "season", "year", "person", "approved_on", "source_row", "load_id", "branch")
		if err != nil {
			return err
		}
		if err := b.Append(int8(2), int32(2025), person, day, int32(9), int64(4), "陆军"); err != nil {
			return err
		}
		if err := b.Close(ctx); err != nil {
			return err
		}
		// The stream stores its rows in any order (they carry source_row),
		// and must leave its pooled connection keeping order, as the next
		// user of the connection expects.
		if order, err := keepsInsertionOrder(ctx, c); err != nil {
			return err
		} else if !order {
			t.Error("the stream left preserve_insertion_order off on its connection")
		}
		return c.InsertRow(ctx, "load_replacements", Set("rows_removed", int64(3)), Set("load_id", int64(5)),
			Set("replaced_load_id", int64(4)), Set("region_code", "410102"), Set("partial", true),
			Set("replaced_at", day))
	})
	if err != nil {
		t.Fatal(err)
	}
	var got string
	if err := wh.DB().QueryRow(`SELECT concat_ws('|', load_id, source_row, person, approved_on, year, season, branch,
		coalesce(handover_on::VARCHAR, 'null')) FROM approvals`).Scan(&got); err != nil {
		t.Fatal(err)
	}
	if want := "4|9|12345678-9abc-def0-0102-030405060708|2025-03-05|2025|2|陆军|null"; got != want {
		t.Errorf("row = %s, want %s", got, want)
	}
	if err := wh.DB().QueryRow(`SELECT concat_ws('|', load_id, replaced_load_id, region_code, partial, rows_removed)
		FROM load_replacements`).Scan(&got); err != nil {
		t.Fatal(err)
	}
	if want := "5|4|410102|true|3"; got != want {
		t.Errorf("replacement = %s, want %s", got, want)
	}
}

// A stream whose INSERT fails aborts the transaction, which refuses the
// stream's own reset of the insertion order; the rollback restores it, so
// the pooled connection does not keep storing and returning rows unordered.
func TestFailedStreamRestoresInsertionOrder(t *testing.T) {
	ctx := context.Background()
	wh := tempWarehouse(t)
	err := wh.WithConn(ctx, func(c *Conn) error {
		if err := c.Begin(ctx); err != nil {
			return err
		}
		b, err := c.NewStream(ctx, "approvals", "load_id", "source_row")
		if err != nil {
			return err
		}
		// load_id is NOT NULL.
		if err := b.Append(nil, int32(2)); err != nil {
			return err
		}
		if err := b.Close(ctx); err == nil {
			t.Error("a row without load_id was stored")
		}
		if err := c.Rollback(ctx); err != nil {
			return err
		}
		if order, err := keepsInsertionOrder(ctx, c); err != nil {
			return err
		} else if !order {
			t.Error("after the rollback the connection still stores rows in any order")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// keepsInsertionOrder tells whether c stores and returns rows in the order
// they came, as a connection from the pool should.
func keepsInsertionOrder(ctx context.Context, c *Conn) (bool, error) {
	var order bool
	err := c.QueryRowContext(ctx, `SELECT current_setting('preserve_insertion_order')`).Scan(&order)
	return order, err
}
