//go:build duckdb_arrow

package warehouse

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/duckdb/duckdb-go/v2"
)

// batchRows is how many rows travel to DuckDB in one Arrow batch. Each of
// DuckDB's threads takes a whole batch from a stream; at a million rows
// 64K-row batches stored the roll 0.06-0.1 s sooner than 32K ones, and 8K
// or 16K ones 0.2-0.3 s later (docs/BENCHMARKS.md).
const batchRows = 64 * 1024

type arrowBulk struct {
	conn     *Conn
	table    string
	schema   *arrow.Schema
	builder  *array.RecordBuilder
	rows     int
	held     []arrow.RecordBatch // NewBulk: batches kept until close
	stream   *batchStream        // NewStream: batches handed to a running INSERT
	inserted chan error
}

func newBulkWriter(ctx context.Context, c *Conn, table string, columns []string, streaming bool) (bulkWriter, error) {
	schema, err := arrowSchema(ctx, c, table, columns)
	if err != nil {
		return nil, err
	}
	a := &arrowBulk{conn: c, table: table, schema: schema,
		builder: array.NewRecordBuilder(memory.DefaultAllocator, schema)}
	if streaming {
		// Two batches in flight: one being stored, one being built.
		a.stream = &batchStream{schema: schema, batches: make(chan arrow.RecordBatch, 2), refs: 1}
		a.inserted = make(chan error, 1)
		go func() { a.inserted <- a.insert(ctx, a.stream) }()
	}
	return a, nil
}

// arrowSchema maps the DuckDB types of the named columns of table (no
// names: all of them) to Arrow types DuckDB reads back without a cast.
func arrowSchema(ctx context.Context, c *Conn, table string, columns []string) (*arrow.Schema, error) {
	// pragma_table_info reads one table's catalog entry; duckdb_columns()
	// lists every column of every table and view first (5 ms a file).
	rows, err := c.QueryContext(ctx, `SELECT name, type FROM pragma_table_info(?) ORDER BY cid`, "main."+table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var names []string
	types := map[string]string{}
	for rows.Next() {
		var name, typ string
		if err := rows.Scan(&name, &typ); err != nil {
			return nil, err
		}
		names = append(names, name)
		types[name] = typ
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("no table main.%s", table)
	}
	if len(columns) > 0 {
		names = columns
	}
	var fields []arrow.Field
	for _, name := range names {
		typ, ok := types[name]
		if !ok {
			return nil, fmt.Errorf("table main.%s has no column %s", table, name)
		}
		f := arrow.Field{Name: name, Nullable: true}
		switch typ {
		case "BIGINT":
			f.Type = arrow.PrimitiveTypes.Int64
		case "INTEGER":
			f.Type = arrow.PrimitiveTypes.Int32
		case "SMALLINT":
			f.Type = arrow.PrimitiveTypes.Int16
		case "TINYINT":
			f.Type = arrow.PrimitiveTypes.Int8
		case "BOOLEAN":
			f.Type = arrow.FixedWidthTypes.Boolean
		case "DOUBLE":
			f.Type = arrow.PrimitiveTypes.Float64
		case "DATE":
			f.Type = arrow.FixedWidthTypes.Date32
		case "VARCHAR":
			f.Type = arrow.BinaryTypes.String
		case "UUID":
			// 16 bytes marked as the canonical arrow.uuid extension, which
			// DuckDB reads as UUID.
			f.Type = &arrow.FixedSizeBinaryType{ByteWidth: 16}
			f.Metadata = arrow.NewMetadata([]string{"ARROW:extension:name", "ARROW:extension:metadata"}, []string{"arrow.uuid", ""})
		default:
			return nil, fmt.Errorf("column %s has type %s, which bulk writes do not handle", name, typ)
		}
		fields = append(fields, f)
	}
	return arrow.NewSchema(fields, nil), nil
}

func (a *arrowBulk) append(vals []driver.Value) error {
	// NumFields, not len(Fields()): Fields copies the schema's field list,
	// which a row at a time was 1.5 GB of garbage per million rows.
	if len(vals) != a.schema.NumFields() {
		return fmt.Errorf("%d values for %d columns of %s", len(vals), a.schema.NumFields(), a.table)
	}
	for i, v := range vals {
		if err := appendValue(a.builder.Field(i), v); err != nil {
			return fmt.Errorf("column %s: %w", a.schema.Field(i).Name, err)
		}
	}
	a.rows++
	if a.rows >= batchRows {
		return a.cut()
	}
	return nil
}

func appendValue(b array.Builder, v driver.Value) error {
	if v == nil {
		b.AppendNull()
		return nil
	}
	switch b := b.(type) {
	case *array.Int64Builder:
		if x, ok := v.(int64); ok {
			b.Append(x)
			return nil
		}
	case *array.Int32Builder:
		if x, ok := v.(int32); ok {
			b.Append(x)
			return nil
		}
	case *array.Int16Builder:
		if x, ok := v.(int16); ok {
			b.Append(x)
			return nil
		}
	case *array.Int8Builder:
		if x, ok := v.(int8); ok {
			b.Append(x)
			return nil
		}
	case *array.BooleanBuilder:
		if x, ok := v.(bool); ok {
			b.Append(x)
			return nil
		}
	case *array.Float64Builder:
		if x, ok := v.(float64); ok {
			b.Append(x)
			return nil
		}
	case *array.Date32Builder:
		if x, ok := v.(time.Time); ok {
			b.Append(arrow.Date32FromTime(x))
			return nil
		}
	case *array.StringBuilder:
		if x, ok := v.(string); ok {
			b.Append(x)
			return nil
		}
	case *array.FixedSizeBinaryBuilder:
		switch x := v.(type) {
		case duckdb.UUID:
			b.Append(x[:])
			return nil
		case [16]byte:
			b.Append(x[:])
			return nil
		}
	}
	return fmt.Errorf("value of type %T does not fit %T", v, b)
}

// cut closes the batch being built and sends or keeps it.
func (a *arrowBulk) cut() error {
	if a.rows == 0 {
		return nil
	}
	rec := a.builder.NewRecordBatch()
	a.rows = 0
	if a.stream == nil {
		a.held = append(a.held, rec)
		return nil
	}
	select {
	case a.stream.batches <- rec:
		return nil
	case err := <-a.inserted:
		// The INSERT ended early; it can only have failed.
		rec.Release()
		a.inserted <- err
		if err == nil {
			err = errors.New("insert ended before its rows")
		}
		return err
	}
}

func (a *arrowBulk) flush(context.Context) error { return a.cut() }

func (a *arrowBulk) close(ctx context.Context) error {
	if a.builder == nil {
		return nil
	}
	defer func() {
		a.builder.Release()
		a.builder = nil
	}()
	err := a.cut()
	if a.stream != nil {
		if err != nil {
			a.stream.fail(err)
		}
		close(a.stream.batches)
		return errors.Join(err, <-a.inserted)
	}
	if err != nil || len(a.held) == 0 {
		return err
	}
	reader, err := array.NewRecordReader(a.schema, a.held)
	for _, r := range a.held {
		r.Release()
	}
	a.held = nil
	if err != nil {
		return err
	}
	defer reader.Release()
	return a.insert(ctx, reader)
}

// insert runs INSERT INTO main.table (its named columns) SELECT * FROM the
// Arrow stream.
func (a *arrowBulk) insert(ctx context.Context, reader array.RecordReader) error {
	view := "enlist_bulk_" + a.table
	return a.conn.Raw(func(dc any) (err error) {
		conn, err := duckConn(dc)
		if err != nil {
			return err
		}
		ar, err := duckdb.NewArrowFromConn(conn)
		if err != nil {
			return err
		}
		release, err := ar.RegisterView(reader, view)
		if err != nil {
			return err
		}
		defer release()
		ex, ok := dc.(driver.ExecerContext)
		if !ok {
			return errors.New("connection cannot execute statements")
		}
		cols := make([]string, len(a.schema.Fields()))
		for i, f := range a.schema.Fields() {
			cols[i] = `"` + f.Name + `"`
		}
		if a.stream != nil {
			// A streamed file's rows carry their row number (source_row),
			// by which the models order them wherever order decides
			// anything (the latest registration is the largest key of
			// date, load and row), so their place in the table need not
			// follow the file. Keeping it would make DuckDB
			// gather each batch's rows apart and merge them when the
			// stream ends: 0.2 s after the last row of a million, with
			// nothing else left to do (docs/BENCHMARKS.md). SESSION: the
			// setting is otherwise the whole database's.
			if _, err := ex.ExecContext(ctx, `SET SESSION preserve_insertion_order = false`, nil); err != nil {
				return fmt.Errorf("bulk insert into %s: %w", a.table, err)
			}
			defer func() {
				// After a failed INSERT the transaction is aborted and
				// refuses the RESET; Conn.Rollback restores it then.
				if _, resetErr := ex.ExecContext(context.WithoutCancel(ctx), `RESET SESSION preserve_insertion_order`, nil); resetErr != nil && err == nil {
					err = fmt.Errorf("bulk insert into %s: %w", a.table, resetErr)
				}
			}()
		}
		_, err = ex.ExecContext(ctx, `INSERT INTO main."`+a.table+`" (`+strings.Join(cols, ", ")+`) SELECT * FROM "`+view+`"`, nil)
		// DuckDB's arrow scan registers the stream as a view in the
		// database's own catalog, not as a temporary one, so it would be
		// stored with the load and crash whoever later queried it after the
		// stream was gone. Dropping it inside the load's transaction keeps
		// the warehouse free of it whether the load commits or not.
		if _, dropErr := ex.ExecContext(ctx, `DROP VIEW IF EXISTS "`+view+`"`, nil); dropErr != nil {
			err = errors.Join(err, fmt.Errorf("drop bulk view %s: %w", view, dropErr))
		}
		return err
	})
}

// batchStream is an Arrow record reader fed through a channel: DuckDB pulls
// batches from it while the writer is still producing them.
type batchStream struct {
	schema  *arrow.Schema
	batches chan arrow.RecordBatch
	cur     arrow.RecordBatch
	err     atomic.Pointer[error]
	refs    int64
}

func (s *batchStream) fail(err error) { s.err.Store(&err) }

func (s *batchStream) Retain()               { atomic.AddInt64(&s.refs, 1) }
func (s *batchStream) Schema() *arrow.Schema { return s.schema }
func (s *batchStream) Release() {
	if atomic.AddInt64(&s.refs, -1) == 0 && s.cur != nil {
		s.cur.Release()
		s.cur = nil
	}
}

func (s *batchStream) Next() bool {
	if s.cur != nil {
		s.cur.Release()
		s.cur = nil
	}
	rec, ok := <-s.batches
	if !ok || s.Err() != nil {
		if ok {
			rec.Release()
		}
		return false
	}
	s.cur = rec
	return true
}

func (s *batchStream) Record() arrow.RecordBatch      { return s.cur }
func (s *batchStream) RecordBatch() arrow.RecordBatch { return s.cur }
func (s *batchStream) Err() error {
	if p := s.err.Load(); p != nil {
		return *p
	}
	return nil
}
