package load

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"enlist/internal/warehouse"
	"enlist/pipelines/mapping"
	"enlist/pipelines/read"
)

// preparedBook is a delivered file with each sheet to load prepared.
type preparedBook struct {
	book    *read.Book
	sheets  []*preparedFile // in load order: what others depend on first
	skipped []SkippedSheet
}

// closeSheets closes the sheets' readers; the book stays open (its
// converted copy, if any, is reused between planning and loading).
func (b *preparedBook) closeSheets() {
	for _, s := range b.sheets {
		s.close()
	}
	b.sheets = nil
}

// openBook opens a delivered file, converting a legacy workbook.
func openBook(ctx context.Context, path string) (*read.Book, error) {
	book, err := read.OpenBook(ctx, path)
	if err != nil {
		return nil, &FileError{File: path, Err: err}
	}
	return book, nil
}

// prepareBook opens a delivered file and prepares what it holds: the CSV,
// the sheet --sheet names, or every sheet of a workbook whose header names
// a kind. Sheets with nothing recognisable (no header row, no rows) are
// listed as skipped; a sheet whose header is recognisable but incomplete
// refuses the workbook with that sheet's message, and so does a workbook
// none of whose sheets can be loaded.
func (l *Loader) prepareBook(ctx context.Context, path string, book *read.Book, opt Options) (_ *preparedBook, err error) {
	pb := &preparedBook{book: book}
	defer func() {
		if err != nil {
			pb.closeSheets()
		}
	}()
	ropt := read.Options{Encoding: opt.Encoding, Sheet: opt.Sheet}
	sheets := book.Sheets()
	if opt.Sheet != "" || len(sheets) <= 1 {
		r, err := book.Open(ctx, ropt)
		if err != nil {
			return nil, &FileError{File: path, Err: err}
		}
		pf, err := l.prepareReader(path, r, opt)
		if err != nil {
			return nil, err
		}
		pb.sheets = []*preparedFile{pf}
		return pb, nil
	}
	var refusals []string
	var firstErr error
	for _, s := range sheets {
		switch {
		case s.Hidden:
			pb.skipped = append(pb.skipped, SkippedSheet{s.Name, "hidden sheet"})
			continue
		case s.Empty:
			pb.skipped = append(pb.skipped, SkippedSheet{s.Name, "empty sheet"})
			continue
		}
		ropt.Sheet = s.Name
		r, err := book.Open(ctx, ropt)
		if errors.Is(err, read.ErrEmpty) {
			pb.skipped = append(pb.skipped, SkippedSheet{s.Name, "no data"})
			continue
		}
		if err != nil {
			return nil, &FileError{File: path, Err: err}
		}
		pf, err := l.prepareReader(path, r, opt)
		if err != nil {
			var fe *FileError
			if !errors.As(err, &fe) {
				return nil, err
			}
			if !errors.Is(err, mapping.ErrNoHeader) && !errors.Is(err, errNoRows) {
				// A sheet with a header enlist half understands holds data:
				// refuse the delivery, saying how to load that sheet, rather
				// than load the rest without it.
				return nil, err
			}
			if firstErr == nil {
				firstErr = err
			}
			why := strings.TrimPrefix(fe.Err.Error(), fmt.Sprintf("sheet %q: ", s.Name))
			refusals = append(refusals, fmt.Sprintf("sheet %q: %s", s.Name, why))
			pb.skipped = append(pb.skipped, SkippedSheet{s.Name, firstLine(why)})
			continue
		}
		if pf.kind == mapping.Regions && opt.Kind == "" {
			// A summary sheet (单位名称, 区划代码, figures) reads like a region
			// list; a region list replaces division names, so only on request.
			pf.close()
			pb.skipped = append(pb.skipped, SkippedSheet{s.Name,
				fmt.Sprintf("its columns read like a region list; to load it as one, give --kind regions --sheet %q", s.Name)})
			continue
		}
		pb.sheets = append(pb.sheets, pf)
	}
	if len(pb.sheets) == 0 {
		if len(refusals) == 1 {
			return nil, firstErr
		}
		if len(refusals) == 0 {
			return nil, &FileError{File: path, Err: fmt.Errorf("%w: no sheet of the workbook holds any data", read.ErrEmpty)}
		}
		return nil, &FileError{File: path, Err: fmt.Errorf("no sheet of the workbook can be loaded:\n%s", strings.Join(refusals, "\n"))}
	}
	slices.SortStableFunc(pb.sheets, func(a, b *preparedFile) int { return mapping.LoadOrder(a.kind) - mapping.LoadOrder(b.kind) })
	return pb, nil
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// recordHeaders keeps, in the sheet's ledger row, what each header became
// and the load's warnings.
func recordHeaders(ctx context.Context, c *warehouse.Conn, pf *preparedFile, res *Result) error {
	res.Warnings = append(res.Warnings, valueWarnings(pf.vocab, res.unknownValues)...)
	// A warning quotes what the office wrote (an unknown value, a header):
	// an identity number typed into the wrong column must not reach the
	// ledger, the terminal or a log in the clear.
	for i, w := range res.Warnings {
		res.Warnings[i] = scrubIDs(w)
	}
	warnings := strings.Join(res.Warnings, "\n")
	_, err := c.ExecContext(ctx, `UPDATE main.load_ledger SET header_map = ?, warnings = ? WHERE load_id = ?`,
		scrubIDs(headerMap(pf.header)), nullable(warnings), res.LoadID)
	if err != nil {
		return fmt.Errorf("record headers of load %d: %w", res.LoadID, err)
	}
	return nil
}

// valueWarnings name each value spelling not recognised, with the
// enlist.yaml line that teaches it.
func valueWarnings(v *mapping.Vocabulary, unknown map[[2]string]int) []string {
	keys := make([][2]string, 0, len(unknown))
	for k := range unknown {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b [2]string) int { return strings.Compare(a[0]+"\x00"+a[1], b[0]+"\x00"+b[1]) })
	var out []string
	for _, k := range keys {
		out = append(out, fmt.Sprintf("value not recognised: %s %q in %d row(s), stored empty; to read it, add %s",
			k[0], k[1], unknown[k], v.ValueLine(k[0], k[1])))
	}
	return out
}

// headerUses lists the mapped headers in column order.
func headerUses(h mapping.Header) []HeaderUse {
	var out []HeaderUse
	for c, i := range h.Columns {
		_ = i
		out = append(out, HeaderUse{Header: h.Names[c], Column: c, Rule: h.Rules[c].Rule})
	}
	slices.SortFunc(out, func(a, b HeaderUse) int { return h.Columns[a.Column] - h.Columns[b.Column] })
	return out
}

// notIn is an SQL condition leaving out the given load ids.
func notIn(ids []int64) string {
	if len(ids) == 0 {
		return ""
	}
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return " AND load_id NOT IN (" + strings.Join(parts, ", ") + ")"
}
