package bench

import (
	"bytes"
	"strings"
	"testing"
)

// The printed summary: one line a step, the ratios against their targets,
// and nothing for a run that measured nothing.
func TestWriteText(t *testing.T) {
	var none bytes.Buffer
	Report{}.WriteText(&none)
	if none.Len() != 0 {
		t.Errorf("empty report printed %q", none.String())
	}
	rep := Report{Registrations: 1_000_000, RollBytes: 150 << 20, IngestVsLimit: 1.25, ColdSpeedupVsPeer: 4,
		PeakRSSBytes: 700 << 20, CountiesCompared: 3, Date: "2026-12-02",
		Machine: Machine{CPU: "Xeon", Cores: 2, MemoryGiB: 8, Load: "0.50"},
		Steps:   []Step{{Scenario: "ingest", Name: "utf-8", Side: "enlist", Seconds: 12.5, CPUSeconds: 20, PeakRSSBytes: 700 << 20}}}
	var b bytes.Buffer
	rep.WriteText(&b)
	out := b.String()
	for _, want := range []string{
		"enlist bench: 1,000,000 registrations, 2 cores (Xeon), 8 GiB, load 0.50 at start, 2026-12-02",
		"ingest    utf-8  enlist     12.50     20.00   700 MiB",
		"Ratios (roll of 150 MB):",
		"ingest UTF-8 / limit",
		"1.25×   target ≤ 1.3× (1.5× at most)",
		"4.00× faster   target ≥ 3×",
		"Per-county figures of 3 counties equal the peer's.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "GB18030") || strings.Contains(out, "Large") {
		t.Errorf("ratios not measured were printed:\n%s", out)
	}
}
