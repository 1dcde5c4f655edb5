package reliability

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"enlist/internal/reliability/testkit"
	"enlist/internal/secret"
	"enlist/internal/warehouse"
	"enlist/pipelines/load"
)

// Bounds every hostile file must stay within, on the shared two-core test
// machine: a real 100,000-row extract loads in a few seconds.
const (
	hostileTimeLimit = 45 * time.Second
	hostileHeapLimit = 256 << 20 // growth of the Go heap while one file loads
)

// hostileCase is one file and what must become of it.
type hostileCase struct {
	name string
	file string // file name, its extension included
	make func(t *testing.T, path string)
	opt  load.Options
	// refused: the file must be refused with a message naming it and
	// holding every fragment. Otherwise it must load with these counts.
	refused   bool
	fragments []string
	read      int
	accepted  int
	rejected  int
	check     func(t *testing.T, wh *warehouse.Warehouse, res load.Result)
}

func hostileCases(t *testing.T) []hostileCase {
	realXLSX := func(rows int) []byte {
		f := excelize.NewFile()
		defer f.Close()
		sw, err := f.NewStreamWriter("Sheet1")
		if err != nil {
			t.Fatal(err)
		}
		must := func(err error) {
			if err != nil {
				t.Fatal(err)
			}
		}
		must(sw.SetRow("A1", []any{"身份证号", "姓名", "区划代码", "登记日期"}))
		for i := 0; i < rows; i++ {
			cell, _ := excelize.CoordinatesToCellName(1, i+2)
			must(sw.SetRow(cell, []any{testkit.Person(5000 + i), "某人", "410103001", "2025-01-10"}))
		}
		must(sw.Flush())
		var buf bytes.Buffer
		must(f.Write(&buf))
		return buf.Bytes()
	}
	bigCell := strings.Repeat("很长的备注", 10<<20/15+1) // 10 MB of text in one cell
	wide := make([]string, 10000)
	for i := range wide {
		wide[i] = fmt.Sprintf("列%d", i+1)
	}
	copy(wide, strings.Split(testkit.RegHeader, ","))
	wideRow := make([]string, 10000)
	for i := range wideRow {
		wideRow[i] = "x"
	}
	copy(wideRow, []string{testkit.Person(7000), "某人", "410103001", "2025-01-10", "本科", "2025", "上半年"})
	gbBody := testkit.RegCSV(3, 8000, "410103015", "\r\n")

	return []hostileCase{
		{name: "empty file", file: "empty.csv", make: testkit.WriteBytes(nil), refused: true, fragments: []string{"empty"}},
		{name: "only a byte-order mark", file: "bom.csv", make: testkit.WriteBytes([]byte("\xEF\xBB\xBF")), refused: true, fragments: []string{"byte-order mark"}},
		{name: "header only", file: "header.csv", make: testkit.WriteBytes([]byte(testkit.RegHeader + "\r\n")),
			read: 0, accepted: 0, rejected: 0},
		{name: "binary garbage", file: "garbage.csv", make: func(t *testing.T, path string) {
			b := make([]byte, 64<<10)
			for i := range b {
				b[i] = byte(i*7919 + i>>8)
			}
			testkit.WriteBytes(b)(t, path)
		}, refused: true, fragments: []string{"not a text file"}},
		{name: "binary garbage named .xlsx", file: "garbage.xlsx", make: testkit.WriteBytes(append([]byte("PK\x03\x04"), bytes.Repeat([]byte{0xde, 0xad}, 4096)...)),
			refused: true, fragments: []string{"zip"}},
		{name: "truncated XLSX", file: "truncated.xlsx", make: func(t *testing.T, path string) {
			b := realXLSX(2000)
			testkit.WriteBytes(b[:len(b)/2])(t, path)
		}, refused: true, fragments: []string{"truncated.xlsx"}},
		{name: "sheet XML unpacking to 4 GiB", file: "bomb-sheet.xlsx", make: func(t *testing.T, path string) {
			writeWorkbook(t, path, bomb("xl/worksheets/sheet1.xml", `<row><c t="s"><v>0</v></c></row>`, 4<<30, 0))
		}, refused: true, fragments: []string{"unpacks to", "zip bomb"}},
		{name: "shared strings unpacking to 4 GiB", file: "bomb-sst.xlsx", make: func(t *testing.T, path string) {
			writeWorkbook(t, path, bomb("xl/sharedStrings.xml", `<si><t>x</t></si>`, 4<<30, 0))
		}, refused: true, fragments: []string{"unpacks to", "zip bomb"}},
		{name: "sheet XML of 4 GiB declared as 1 MiB", file: "liar-sheet.xlsx", make: func(t *testing.T, path string) {
			writeWorkbook(t, path, bomb("xl/worksheets/sheet1.xml", `<row><c t="s"><v>0</v></c></row>`, 4<<30, 1<<20))
		}, refused: true, fragments: []string{"liar-sheet.xlsx"}},
		{name: "shared strings of 4 GiB declared as 1 MiB", file: "liar-sst.xlsx", make: func(t *testing.T, path string) {
			writeWorkbook(t, path, bomb("xl/sharedStrings.xml", `<si><t>x</t></si>`, 4<<30, 1<<20))
		}, refused: true, fragments: []string{"liar-sst.xlsx"}},
		{name: "shared strings of 900 MiB, under the unpacked limit", file: "dense-sst.xlsx", make: func(t *testing.T, path string) {
			writeWorkbook(t, path, bomb("xl/sharedStrings.xml", `<si><t>x</t></si>`, 900<<20, 0))
		}, refused: true, fragments: []string{"dense-sst.xlsx", "compress"}},
		{name: "sheet XML of 900 MiB, under the unpacked limit", file: "dense-sheet.xlsx", make: func(t *testing.T, path string) {
			writeWorkbook(t, path, bomb("xl/worksheets/sheet1.xml", `<row><c t="s"><v>0</v></c></row>`, 900<<20, 0))
		}, refused: true, fragments: []string{"dense-sheet.xlsx", "compress"}},
		{name: "250,000 rows that are all rejected", file: "junk.csv", make: testkit.WriteBytes([]byte(testkit.RegHeader + "\n" + strings.Repeat("1\n", 250000))),
			refused: true, fragments: []string{"more than 100000 rejects", "bad_id_length"}},
		{name: "styles of 30 MiB, under the per-part ratio check's floor", file: "styles.xlsx", make: func(t *testing.T, path string) {
			writeWorkbook(t, path, bomb("xl/styles.xml", `<xf numFmtId="14" fontId="0" fillId="0" borderId="0"/>`, 30<<20, 0))
		}, refused: true, fragments: []string{"style table unpacks to 30 MiB"}},
		{name: "a sheet whose second row is numbered 1,048,576", file: "far-row.xlsx", make: func(t *testing.T, path string) {
			writeWorkbook(t, path, workbookParts(`<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c></row>`+
				`<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>`+testkit.Person(9500)+`</t></is></c><c r="B1048576" t="inlineStr"><is><t>410103017</t></is></c>`+
				`<c r="C1048576" t="inlineStr"><is><t>2025-01-10</t></is></c></row>`,
				`<si><t>身份证号</t></si><si><t>区划代码</t></si><si><t>登记日期</t></si>`))
		}, read: 1, accepted: 1, check: func(t *testing.T, wh *warehouse.Warehouse, res load.Result) {
			var line int
			if err := wh.DB().QueryRow(`SELECT source_row FROM registrations WHERE load_id = ?`, res.LoadID).Scan(&line); err != nil || line != 1048576 {
				t.Errorf("source_row %d (%v), want 1048576", line, err)
			}
		}},
		{name: "a cell in column XFD", file: "far-column.xlsx", make: func(t *testing.T, path string) {
			writeWorkbook(t, path, workbookParts(`<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c>`+
				`<c r="XFD1" t="inlineStr"><is><t>x</t></is></c></row>`,
				`<si><t>身份证号</t></si><si><t>区划代码</t></si><si><t>登记日期</t></si>`))
		}, refused: true, fragments: []string{"16384 cells"}},
		{name: "theme of 30 MiB", file: "theme.xlsx", make: func(t *testing.T, path string) {
			parts := workbookParts(`<row r="1"><c r="A1" t="s"><v>0</v></c></row>`, `<si><t>身份证号</t></si>`)
			parts = append(parts, part{name: "xl/theme/theme1.xml", head: `<a:theme xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"><a:themeElements>`,
				body: strings.Repeat(`<a:clrScheme name="x"/>`, (1<<20)/23), repeat: 30, tail: `</a:themeElements></a:theme>`})
			writeWorkbook(t, path, parts)
		}, refused: true, fragments: []string{"xl/theme/theme1.xml unpacks to"}},
		{name: "60 parts of 15 MiB each", file: "many-parts.xlsx", make: func(t *testing.T, path string) {
			parts := workbookParts(`<row r="1"><c r="A1" t="s"><v>0</v></c></row>`, `<si><t>身份证号</t></si>`)
			for i := 0; i < 60; i++ {
				parts = append(parts, part{name: fmt.Sprintf("xl/media/pad%d.xml", i), body: strings.Repeat("<x/>", (15<<20)/4/64), repeat: 64})
			}
			writeWorkbook(t, path, parts)
		}, refused: true, fragments: []string{"67 parts unpack to", "zip bomb"}},
		{name: "10 MB in one CSV cell", file: "bigcell.csv", make: testkit.WriteBytes([]byte(testkit.RegHeader + ",备注\n" +
			testkit.Person(7100) + ",某人,410103001,2025-01-10,本科,2025,上半年,\"" + bigCell + "\"\n")),
			refused: true, fragments: []string{"line 2", "1 MiB"}},
		{name: "10 MB in one XLSX cell", file: "bigcell.xlsx", make: func(t *testing.T, path string) {
			p := workbookParts(`<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c></row>`+
				`<row r="2"><c r="A2" t="inlineStr"><is><t>`+testkit.Person(7200)+`</t></is></c><c r="B2" t="inlineStr"><is><t>410103001</t></is></c>`+
				`<c r="C2" t="inlineStr"><is><t>2025-01-10</t></is></c><c r="D2" t="inlineStr"><is><t>`+bigCell+`</t></is></c></row>`,
				`<si><t>身份证号</t></si><si><t>区划代码</t></si><si><t>登记日期</t></si>`)
			writeWorkbook(t, path, p)
		}, refused: true, fragments: []string{"cell D2", "1 MiB"}},
		{name: "10,000 columns", file: "wide.csv", make: testkit.WriteBytes([]byte(strings.Join(wide, ",") + "\n" + strings.Join(wideRow, ",") + "\n")),
			refused: true, fragments: []string{"10000 cells", "line 1"}},
		{name: "10,000 columns, all but the table empty", file: "wide-empty.csv",
			make: testkit.WriteBytes([]byte(testkit.RegHeader + strings.Repeat(",", 9993) + "\n" + testkit.Person(7300) + ",某人,410103011,2025-01-10,本科,2025,上半年" + strings.Repeat(",", 9993) + "\n")),
			read: 1, accepted: 1},
		{name: "CRLF line ends", file: "crlf.csv", make: testkit.WriteBytes([]byte(testkit.RegCSV(50, 9000, "410103012", "\r\n"))), read: 50, accepted: 50},
		{name: "lone CR line ends", file: "cr.csv", make: testkit.WriteBytes([]byte(testkit.RegCSV(50, 9100, "410103013", "\r"))), read: 50, accepted: 50},
		{name: "quotes and line breaks inside fields", file: "quoted.csv", make: testkit.WriteBytes([]byte(
			"身份证号,姓名,区划代码,登记日期,学校\r\n" +
				testkit.Person(9200) + ",\"某\"\"人\"\"\",410103014,2025-01-10,\"某大学,\r\n第二校区\"\r\n" +
				testkit.Person(9201) + ",某人,410103014,\"2025-01-\n10\",\"一行\n两行\r\n三行\"\r\n" +
				testkit.Person(9202) + ",某人,410103014,2025-01-11,\"说\"\"好\"\"的\"\r\n")),
			read: 3, accepted: 2, rejected: 1, check: func(t *testing.T, wh *warehouse.Warehouse, res load.Result) {
				// The second record starts on line 4 of the file (the first
				// spans lines 2–3); its broken date is rejected there.
				var line int
				var school string
				if err := wh.DB().QueryRow(`SELECT source_row FROM rejects WHERE load_id = ?`, res.LoadID).Scan(&line); err != nil || line != 4 {
					t.Errorf("reject on line %d (%v), want 4", line, err)
				}
				if err := wh.DB().QueryRow(`SELECT school FROM registrations WHERE load_id = ? AND source_row = 2`, res.LoadID).Scan(&school); err != nil || school != "某大学,\n第二校区" {
					t.Errorf("school = %q (%v)", school, err)
				}
			}},
		{name: "duplicate headers", file: "dup.csv", make: testkit.WriteBytes([]byte("身份证号,区划代码,登记日期,公民身份号码\n" + testkit.Person(9300) + ",410103001,2025-01-10," + testkit.Person(9301) + "\n")),
			refused: true, fragments: []string{"both mean id_number"}},
		{name: "ambiguous headers", file: "ambiguous.csv", make: testkit.WriteBytes([]byte("身份证号,日期,结果\n" + testkit.Person(9400) + ",2025-03-05,合格\n")),
			refused: true, fragments: []string{"ambiguous.csv"}},
		{name: "mixed encodings: GB18030 rows after 1 MiB of UTF-8", file: "mixed.csv", make: func(t *testing.T, path string) {
			b := []byte(testkit.RegCSV(20000, 10000, "410103001", "\n"))
			b = append(b, testkit.GB18030(t, testkit.Person(40000)+",张三,410103001,2025-01-10,本科,2025,上半年\n")...)
			testkit.WriteBytes(b)(t, path)
		}, refused: true, fragments: []string{"line 20002", "--encoding gb18030"}},
		{name: "mixed encodings within the first block", file: "mixed-early.csv", make: func(t *testing.T, path string) {
			b := []byte(testkit.RegCSV(3, 41000, "410103001", "\n"))
			b = append(b, testkit.GB18030(t, testkit.Person(41010)+",张三,410103001,2025-01-10,本科,2025,上半年\n")...)
			testkit.WriteBytes(b)(t, path)
		}, refused: true, fragments: []string{"mixed-early.csv"}},
		{name: "mixed encodings: UTF-8 rows after 1 MiB of GB18030", file: "mixed-gb.csv", make: func(t *testing.T, path string) {
			// UTF-8 runs of an even number of characters decode as GB18030
			// without an undecodable byte: nonsense that would load silently.
			b := testkit.GB18030(t, testkit.RegCSV(17000, 42000, "410103016", "\r\n"))
			b = append(b, testkit.Person(60000)+",李四,410103016,2025-01-10,本科,2025,下半年\r\n"...)
			testkit.WriteBytes(b)(t, path)
		}, refused: true, fragments: []string{"line 17002", "two encodings"}},
		{name: "GB18030 file mislabelled UTF-8", file: "gb-as-utf8.csv", make: testkit.WriteBytes(testkit.GB18030(t, gbBody)),
			opt: load.Options{Encoding: "utf-8"}, refused: true, fragments: []string{"not valid UTF-8", "--encoding gb18030"}},
		{name: "GB18030 file behind a UTF-8 byte-order mark", file: "gb-bom.csv", make: testkit.WriteBytes(append([]byte("\xEF\xBB\xBF"), testkit.GB18030(t, gbBody)...)),
			refused: true, fragments: []string{"byte-order mark"}},
		{name: "GB18030 file detected", file: "gb.csv", make: testkit.WriteBytes(testkit.GB18030(t, gbBody)), read: 3, accepted: 3},
	}
}

// TestHostileFiles loads each hostile file into a warehouse that already
// holds a load, and checks that it ends in a correct load or a clear
// file-level error, within bounded time and memory, with what was stored
// before unchanged.
func TestHostileFiles(t *testing.T) {
	t.Setenv(secret.EnvVar, testkit.Secret)
	key, err := secret.Load("")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	dir := t.TempDir()
	wh, err := warehouse.Open(ctx, filepath.Join(dir, "w.duckdb"), warehouse.Options{Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	loader, err := load.NewLoader(wh, key, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	base := filepath.Join(dir, "base.csv")
	testkit.WriteBytes([]byte(testkit.RegCSV(200, 0, "410102001", "\n")))(t, base)
	baseRes, err := loader.LoadFile(ctx, base, load.Options{})
	if err != nil || baseRes.Accepted != 200 {
		t.Fatalf("base load: %+v %v", baseRes, err)
	}
	for _, tc := range hostileCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.file)
			tc.make(t, path)
			st, _ := os.Stat(path)
			before := testkit.TableChecksums(t, wh)
			baseRows := baseChecksum(t, wh, baseRes.LoadID)

			cctx, cancel := context.WithTimeout(ctx, hostileTimeLimit)
			defer cancel()
			mem := testkit.WatchMemory()
			start := time.Now()
			res, err := loader.LoadFile(cctx, path, tc.opt)
			elapsed := time.Since(start)
			heap, rssGrowth := mem.End()
			t.Logf("figures: %s: %d bytes on disk, %.2f s, Go heap +%.1f MiB, RSS +%.1f MiB, outcome: %v",
				tc.name, st.Size(), elapsed.Seconds(), testkit.MiB(heap), testkit.MiB(rssGrowth), outcome(res, err))
			os.Remove(path) // the bombs are small, but the 10 MB files are not

			if elapsed > hostileTimeLimit {
				t.Errorf("took %v; the bound is %v", elapsed, hostileTimeLimit)
			}
			if heap > hostileHeapLimit {
				t.Errorf("Go heap grew by %.0f MiB; the bound is %d MiB", testkit.MiB(heap), hostileHeapLimit>>20)
			}
			if tc.refused {
				var fe *load.FileError
				if !errors.As(err, &fe) {
					t.Fatalf("got %v, %+v; want the file refused", err, res)
				}
				msg := err.Error()
				for _, f := range append([]string{path}, tc.fragments...) {
					if !strings.Contains(msg, f) {
						t.Errorf("message %q does not say %q", msg, f)
					}
				}
				if d := testkit.DiffChecksums(before, testkit.TableChecksums(t, wh)); len(d) > 0 {
					t.Errorf("a refused file changed tables %v", d)
				}
				return
			}
			if err != nil {
				t.Fatalf("want a load, got %v", err)
			}
			if res.Read != tc.read || res.Accepted != tc.accepted || res.Rejected != tc.rejected {
				t.Errorf("read %d accepted %d rejected %d; want %d %d %d (reasons %v)",
					res.Read, res.Accepted, res.Rejected, tc.read, tc.accepted, tc.rejected, res.Reasons)
			}
			if len(res.Replaced) > 0 {
				t.Errorf("replaced loads %v", res.Replaced)
			}
			if got := baseChecksum(t, wh, baseRes.LoadID); got != baseRows {
				t.Errorf("the earlier load's rows changed")
			}
			if tc.check != nil {
				tc.check(t, wh, res)
			}
		})
	}
}

func outcome(res load.Result, err error) string {
	if err != nil {
		msg := err.Error()
		if len(msg) > 160 {
			msg = msg[:160] + "…"
		}
		return "refused: " + msg
	}
	return fmt.Sprintf("%s %d read, %d accepted, %d rejected", res.Status, res.Read, res.Accepted, res.Rejected)
}

// baseChecksum fingerprints the rows and ledger entry of one load.
func baseChecksum(t *testing.T, wh *warehouse.Warehouse, id int64) string {
	t.Helper()
	var parts []string
	for _, q := range []string{
		`SELECT count(*), md5(string_agg(t::VARCHAR, '|' ORDER BY t::VARCHAR)) FROM registrations t WHERE load_id = ?`,
		`SELECT count(*), md5(string_agg(t::VARCHAR, '|' ORDER BY t::VARCHAR)) FROM load_ledger t WHERE load_id = ?`,
		`SELECT count(*), coalesce(md5(string_agg(t::VARCHAR, '|' ORDER BY t::VARCHAR)), '') FROM row_flags t WHERE load_id = ?`,
	} {
		var n int
		var s string
		if err := wh.DB().QueryRow(q, id).Scan(&n, &s); err != nil {
			t.Fatal(err)
		}
		parts = append(parts, fmt.Sprint(n, s))
	}
	return strings.Join(parts, ";")
}

func TestMain(m *testing.M) {
	code := m.Run()
	testkit.Cleanup()
	os.Exit(code)
}

// TestIngestCommandRefusesHostileFiles runs the enlist binary as cron
// would on a folder of hostile files beside a good one: the good file
// loads, each hostile one is named in the error output with its reason,
// and the exit status is 1.
func TestIngestCommandRefusesHostileFiles(t *testing.T) {
	dir := t.TempDir()
	inbox := filepath.Join(dir, "inbox")
	if err := os.MkdirAll(inbox, 0o750); err != nil {
		t.Fatal(err)
	}
	testkit.WriteBytes([]byte(testkit.RegCSV(10, 0, "410102001", "\n")))(t, filepath.Join(inbox, "good.csv"))
	writeWorkbook(t, filepath.Join(inbox, "bomb.xlsx"), bomb("xl/sharedStrings.xml", `<si><t>x</t></si>`, 2<<30, 0))
	testkit.WriteBytes(bytes.Repeat([]byte{0, 0xff, 0x13}, 1000))(t, filepath.Join(inbox, "garbage.csv"))
	testkit.WriteBytes(testkit.GB18030(t, testkit.RegCSV(3, 100, "410102002", "\r\n")))(t, filepath.Join(inbox, "gb.csv"))
	testkit.MustRun(t, dir, "--db", "w.duckdb", "init")
	code, out, errs := testkit.Run(t, dir, "--db", "w.duckdb", "ingest", "--encoding", "utf-8", inbox)
	if code != 1 {
		t.Fatalf("exit %d, want 1\nstdout: %s\nstderr: %s", code, out, errs)
	}
	if !strings.Contains(out, "good.csv: registrations") || !strings.Contains(out, "10 accepted") {
		t.Errorf("the good file did not load: %s", out)
	}
	for _, want := range []string{"bomb.xlsx", "zip bomb", "garbage.csv", "not a text file", "gb.csv", "--encoding gb18030"} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr does not say %q:\n%s", want, errs)
		}
	}
}
