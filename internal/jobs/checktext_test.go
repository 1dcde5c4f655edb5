package jobs

import (
	"bytes"
	"strings"
	"testing"
)

func TestCheckReportText(t *testing.T) {
	f := CheckFile{File: "登记.csv", Reasons: map[string]int{"bad_date": 2, "bad_id": 5, "bad_code": 2}}
	if got := strings.Join(f.ReasonsByCount(), ","); got != "bad_id,bad_code,bad_date" {
		t.Errorf("reasons by count: %s", got)
	}
	var b bytes.Buffer
	if err := (&CheckReport{Files: []CheckFile{f}}).WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "\n  \"files\": [\n") || !strings.Contains(b.String(), `"file": "登记.csv"`) {
		t.Errorf("json:\n%s", b.String())
	}
}
