package bench

import (
	"fmt"
	"io"
	"text/tabwriter"
)

// WriteText writes every step and the ratios the targets name, as enlist
// bench prints them.
func (rep Report) WriteText(w io.Writer) {
	if len(rep.Steps) == 0 {
		return
	}
	m := rep.Machine
	fmt.Fprintf(w, "enlist bench: %s registrations, %d cores (%s), %d GiB, load %s at start, %s\n\n",
		thousands(rep.Registrations), m.Cores, m.CPU, m.MemoryGiB, m.Load, rep.Date)
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "scenario\tstep\tside\t seconds\t   CPU s\tpeak RSS")
	for _, s := range rep.Steps {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%8.2f\t%8.2f\t%8s\n", s.Scenario, s.Name, s.Side, s.Seconds, s.CPUSeconds, mib(s.PeakRSSBytes))
	}
	tw.Flush()
	fmt.Fprintln(w)
	line := func(what string, v float64, unit, target string) {
		if v == 0 {
			return
		}
		fmt.Fprintf(w, "  %-44s %7.2f%s   %s\n", what, v, unit, target)
	}
	fmt.Fprintf(w, "Ratios (roll of %s MB):\n", thousands(int(rep.RollBytes>>20)))
	line("ingest UTF-8 / limit", rep.IngestVsLimit, "×", "target ≤ 1.3× (1.5× at most)")
	line("ingest GB18030 / limit", rep.GB18030VsLimit, "×", "target ≤ 1.8×")
	line("typed CTAS (what enlist stores) / limit", rep.TypedVsLimit, "×", "the floor of our DuckDB side")
	line("cold ingest / limit of every extract", rep.ColdIngestVsLimit, "×", "the floor of the cold load")
	line("cold: peer / enlist", rep.ColdSpeedupVsPeer, "× faster", "target ≥ 3×")
	line("weekly cycle: peer / enlist", rep.WeeklySpeedupVsPeer, "× faster", "target ≥ 10×")
	line("weekly cycle: province bulletin", rep.WeeklyBulletinSeconds, " s", "target ≤ 1 s")
	fmt.Fprintf(w, "  %-44s %s\n", "peak RSS of enlist's steps", mib(rep.PeakRSSBytes))
	if rep.LargeRegistrations > 0 && rep.LargeIngestVsCold > 0 {
		fmt.Fprintf(w, "Large (%s registrations):\n", thousands(rep.LargeRegistrations))
		line("ingest / cold ingest", rep.LargeIngestVsCold, "×", "target ≤ 11×")
		line("province bulletin", rep.LargeBulletinSeconds, " s", "target ≤ 5 s")
		line("peer / enlist", rep.LargeSpeedupVsPeer, "× faster", "")
		fmt.Fprintf(w, "  %-44s %s   target < 2 GiB\n", "peak RSS of enlist's steps", mib(rep.LargePeakRSSBytes))
	}
	if rep.CountiesCompared > 0 {
		fmt.Fprintf(w, "Per-county figures of %d counties equal the peer's.\n", rep.CountiesCompared)
	}
}

func mib(b int64) string {
	if b == 0 {
		return ""
	}
	return fmt.Sprintf("%d MiB", b>>20)
}

func thousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
