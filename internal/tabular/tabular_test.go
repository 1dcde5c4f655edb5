package tabular

import (
	"bytes"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/mattn/go-runewidth"
)

func sample() *Frame {
	return &Frame{
		Columns: []string{"region_code", "region_name", "quota", "college_ratio", "as_of_date"},
		Rows: [][]any{
			{"41", "河南省", int64(530), 0.7134670487106017, time.Date(2025, 8, 31, 0, 0, 0, 0, time.UTC)},
			{"4102", "开封市", int64(0), nil, time.Date(2025, 8, 31, 0, 0, 0, 0, time.UTC)},
			{"4103", "洛阳,市\"", int64(38), math.NaN(), nil},
		},
	}
}

func TestCSV(t *testing.T) {
	var b bytes.Buffer
	if err := Write(&b, "csv", sample()); err != nil {
		t.Fatal(err)
	}
	want := "region_code,region_name,quota,college_ratio,as_of_date\n" +
		"41,河南省,530,0.7134670487106017,2025-08-31\n" +
		"4102,开封市,0,,2025-08-31\n" +
		"4103,\"洛阳,市\"\"\",38,,\n"
	if b.String() != want {
		t.Errorf("csv:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestJSONKeepsColumnOrderAndNulls(t *testing.T) {
	var b bytes.Buffer
	if err := Write(&b, "json", sample()); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if !strings.Contains(out, `{"region_code": "41", "region_name": "河南省", "quota": 530, "college_ratio": 0.7134670487106017, "as_of_date": "2025-08-31"}`) {
		t.Errorf("json row order or values:\n%s", out)
	}
	if !strings.Contains(out, `"college_ratio": null`) || strings.Contains(out, "NaN") {
		t.Errorf("a missing rate must be null:\n%s", out)
	}
}

func TestTableShowsMissingAsDash(t *testing.T) {
	var b bytes.Buffer
	if err := Write(&b, "table", sample().Select("region_name", "college_ratio")); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 4 || !strings.Contains(lines[1], "0.7135") || !strings.HasSuffix(strings.TrimSpace(lines[2]), "—") {
		t.Errorf("table:\n%s", b.String())
	}
	if err := Write(&b, "yaml", sample()); err == nil {
		t.Error("unknown format accepted")
	}
}

// TestTableAlignsChineseByDisplayWidth: a Chinese character takes two
// terminal cells, so columns line up by display width, not bytes or runes;
// numbers are right-aligned and doubles lose their trailing zeros.
func TestTableAlignsChineseByDisplayWidth(t *testing.T) {
	f := &Frame{
		Columns: []string{"单位", "quota", "rate", "note"},
		Rows: [][]any{
			{"河南省", int64(530), 0.7134670487106017, "省级"},
			{"郑州高新技术产业开发区", int64(38), 0.4, "x"},
			{"ab", int64(0), nil, nil},
			{"开封市", int64(7), 100.0, "-"},
		},
	}
	var b bytes.Buffer
	if err := Write(&b, "table", f); err != nil {
		t.Fatal(err)
	}
	want := "" +
		"单位                    quota  rate    note\n" +
		"河南省                    530  0.7135  省级\n" +
		"郑州高新技术产业开发区     38     0.4  x\n" +
		"ab                          0       —  —\n" +
		"开封市                      7     100  -\n"
	if b.String() != want {
		t.Errorf("table:\n%s\nwant:\n%s", b.String(), want)
	}
	// Every line has the same display width up to the last column.
	for _, l := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		if i := strings.LastIndex(l, "  "); runewidth.StringWidth(l[:i]) != runewidth.StringWidth("郑州高新技术产业开发区     38     0.4") {
			t.Errorf("misaligned: %q", l)
		}
	}
}

// A JSON column (job_runs.counts) arrives as a map: every format prints it
// as JSON, not as Go's map[k:v].
func TestJSONColumnsPrintAsJSON(t *testing.T) {
	f := &Frame{Columns: []string{"run_id", "counts", "list"}, Rows: [][]any{
		{int64(1), map[string]any{"files_loaded": 2, "rows_read": 10}, []any{int32(1), "a"}},
	}}
	for _, format := range []string{"table", "csv", "json"} {
		var b strings.Builder
		if err := Write(&b, format, f); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		if format == "csv" {
			out = strings.ReplaceAll(out, `""`, `"`) // CSV doubles the quotes inside a field
		}
		if !strings.Contains(out, `"files_loaded":2`) || strings.Contains(out, "map[") || !strings.Contains(out, `[1,"a"]`) {
			t.Errorf("%s:\n%s", format, out)
		}
	}
}
