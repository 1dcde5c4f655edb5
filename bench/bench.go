// Package bench measures enlist in one run against two yardsticks: the
// limit (DuckDB reading the same file into a table with no logic of ours,
// through the same library) and the peer (bench/peer.py, the pandas and
// openpyxl script an analyst would write for the same job). Every step runs
// as its own process, timed, with its CPU time and peak resident memory.
//
// Scenarios, each ours against the peer:
//   - ingest: one registration roll of the whole province, UTF-8 and
//     GB18030, against the limit and the typed CTAS (what the DuckDB side of
//     our ingest must cost at least);
//   - cold: every extract of the province → warehouse → the bulletin;
//   - weekly: the warehouse holds the province, three counties re-send
//     their roll and exam sheets with a week's changes, load them and write
//     the province's bulletin (the peer, with no warehouse, re-reads all);
//   - large: cold at a national scale (10,000,000 registrations).
//
// The run fails unless the peer's per-county figures equal ours.
package bench

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"enlist/internal/files"
)

//go:embed peer.py
var peerScript []byte

// PeerScript is bench/peer.py, built into the binary so that the bench
// runs from any folder.
func PeerScript() []byte { return peerScript }

// benchSecret is the pseudonymisation key of every warehouse the bench
// makes (given to enlist and the peer through ENLIST_SECRET).
const benchSecret = "enlist-bench-secret-0123456789abcdef"

// Options say what to measure and where.
type Options struct {
	Registrations int    // the province's registrations (SPEC §9: a large province, 1,000,000)
	Large         int    // registrations of the large scenario; 0 skips it
	Runs          int    // runs of each ingest step, alternating, and of each bulletin; the median counts
	Dir           string // work folder, kept; "" = a temporary folder removed at the end
	Exe           string // the enlist binary timed
	Python        string // an interpreter with pandas and openpyxl
	Threads       int    // passed to enlist and the limit; 0 = their defaults
	MemoryLimit   string // likewise
	GoMemoryLimit string // passed to enlist
	Command       string // the command line, for the report
	Progress      func(string)
}

// Report is what the run measured. The top-level ratios are what other
// tools track; Steps has every process.
type Report struct {
	Registrations      int     `json:"registrations"`
	LargeRegistrations int     `json:"large_registrations,omitempty"`
	IngestVsLimit      float64 `json:"ingest_vs_limit"`
	GB18030VsLimit     float64 `json:"gb18030_vs_limit"`
	TypedVsLimit       float64 `json:"typed_vs_limit"`
	// ColdIngestVsLimit is the cold load of every extract over the limit
	// of the same files (LimitExtracts): the floor of the cold ingest.
	ColdIngestVsLimit   float64 `json:"cold_ingest_vs_limit"`
	ColdSpeedupVsPeer   float64 `json:"cold_speedup_vs_peer"`
	WeeklySpeedupVsPeer float64 `json:"weekly_speedup_vs_peer"`
	// WeeklyBulletinSeconds is the province's bulletin in the weekly cycle.
	WeeklyBulletinSeconds float64 `json:"weekly_bulletin_seconds"`
	LargeSpeedupVsPeer    float64 `json:"large_speedup_vs_peer,omitempty"`
	// LargeIngestVsCold is the large scenario's ingest over the cold one's.
	LargeIngestVsCold    float64 `json:"large_ingest_vs_cold,omitempty"`
	LargeBulletinSeconds float64 `json:"large_bulletin_seconds,omitempty"`
	PeakRSSBytes         int64   `json:"peak_rss_bytes"` // the largest of enlist's steps at Registrations
	LargePeakRSSBytes    int64   `json:"large_peak_rss_bytes,omitempty"`
	CountiesCompared     int     `json:"counties_compared"`
	RollBytes            int64   `json:"roll_bytes"`
	Date                 string  `json:"date"`
	Machine              Machine `json:"machine"`
	Command              string  `json:"command"`
	Threads              int     `json:"threads,omitempty"`
	MemoryLimit          string  `json:"memory_limit,omitempty"`
	GoMemoryLimit        string  `json:"go_memory_limit,omitempty"`
	Steps                []Step  `json:"steps"`
}

// Machine says where the figures were taken.
type Machine struct {
	CPU       string `json:"cpu"`
	Cores     int    `json:"cores"`
	MemoryGiB int    `json:"memory_gib"`
	Load      string `json:"load_average"` // at the start: a shared machine shows here
	Go        string `json:"go"`
	OS        string `json:"os"`
}

// Run runs every scenario. It returns what it measured so far with an
// error when a step fails, is cancelled, or the figures differ.
func Run(ctx context.Context, opt Options) (rep Report, err error) {
	if opt.Registrations <= 0 {
		return rep, errors.New("bench: registrations must be positive")
	}
	if opt.Runs <= 0 {
		opt.Runs = 1
	}
	if opt.Progress == nil {
		opt.Progress = func(string) {}
	}
	rep = Report{Registrations: opt.Registrations, LargeRegistrations: opt.Large, Command: opt.Command,
		Date: time.Now().UTC().Format(time.RFC3339), Machine: machine(), Threads: opt.Threads, MemoryLimit: opt.MemoryLimit, GoMemoryLimit: opt.GoMemoryLimit}
	dir := opt.Dir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "enlist-bench-"); err != nil {
			return rep, fmt.Errorf("bench: %w", err)
		}
		defer func() { err = errors.Join(err, os.RemoveAll(dir)) }()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return rep, fmt.Errorf("bench: %w", err)
	}
	logPath := filepath.Join(dir, "bench.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return rep, fmt.Errorf("bench: %w", err)
	}
	defer logFile.Close()
	b := &bench{opt: opt, dir: dir, rep: &rep, r: &runner{
		env:      append(os.Environ(), "ENLIST_SECRET="+benchSecret),
		log:      logFile,
		logPath:  logPath,
		progress: opt.Progress,
	}}
	err = b.all(ctx)
	return rep, err
}

type bench struct {
	opt Options
	dir string
	rep *Report
	r   *runner
}

func (b *bench) path(p ...string) string { return filepath.Join(append([]string{b.dir}, p...)...) }

// step runs one process and records it.
func (b *bench) step(ctx context.Context, scenario, name string, side Side, argv []string) (Step, error) {
	return b.stepTo(ctx, scenario, name, side, argv, "")
}

// stepTo is step with the process's standard output kept in a file.
func (b *bench) stepTo(ctx context.Context, scenario, name string, side Side, argv []string, stdout string) (Step, error) {
	st, err := b.r.run(ctx, scenario, name, side, argv, stdout)
	b.rep.Steps = append(b.rep.Steps, st)
	return st, err
}

// enlist is the command line of one enlist process on warehouse db.
func (b *bench) enlist(db string, args ...string) []string {
	argv := []string{b.opt.Exe, "--db", db}
	if b.opt.Threads > 0 {
		argv = append(argv, "--threads", strconv.Itoa(b.opt.Threads))
	}
	if b.opt.MemoryLimit != "" {
		argv = append(argv, "--memory-limit", b.opt.MemoryLimit)
	}
	if b.opt.GoMemoryLimit != "" {
		argv = append(argv, "--go-memory-limit", b.opt.GoMemoryLimit)
	}
	return append(argv, args...)
}

func (b *bench) all(ctx context.Context) error {
	if err := b.checkPython(ctx); err != nil {
		return err
	}
	peer := b.path("peer.py")
	if err := os.WriteFile(peer, peerScript, 0o644); err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	province := b.path("province")
	if err := b.timedSetup("generate", func() error {
		_, err := generate(ctx, province, b.opt.Registrations, b.opt.Progress)
		return err
	}); err != nil {
		return err
	}
	roll, rollGB := b.path("roll.csv"), b.path("roll_gb18030.csv")
	if err := b.timedSetup("roll", func() error { return writeRoll(province, roll, rollGB) }); err != nil {
		return err
	}
	if st, err := os.Stat(roll); err == nil {
		b.rep.RollBytes = st.Size()
	}
	week := b.path("week")
	if err := b.timedSetup("week", func() error { _, err := writeWeek(province, week); return err }); err != nil {
		return err
	}
	if err := b.ingest(ctx, roll, rollGB); err != nil {
		return err
	}
	cold, err := b.cold(ctx, "cold", province, b.path("cold.duckdb"), peer)
	if err != nil {
		return err
	}
	if err := b.weekly(ctx, province, week, b.path("cold.duckdb"), peer); err != nil {
		return err
	}
	b.rep.PeakRSSBytes = b.peakRSS("ingest", "cold", "weekly")
	if b.opt.Large <= 0 {
		return nil
	}
	large := b.path("large")
	if err := b.timedSetup("generate large", func() error {
		_, err := generate(ctx, large, b.opt.Large, b.opt.Progress)
		return err
	}); err != nil {
		return err
	}
	big, err := b.cold(ctx, "large", large, b.path("large.duckdb"), peer)
	if err != nil {
		return err
	}
	b.rep.LargeIngestVsCold = ratio(big.ingest, cold.ingest)
	b.rep.LargeBulletinSeconds = big.bulletin
	b.rep.LargeSpeedupVsPeer = ratio(big.peer, big.ingest+big.bulletin)
	b.rep.LargePeakRSSBytes = b.peakRSS("large")
	return nil
}

// timedSetup runs preparation in this process and records its time.
func (b *bench) timedSetup(name string, f func() error) error {
	b.opt.Progress("setup: " + name)
	start := time.Now()
	err := f()
	b.rep.Steps = append(b.rep.Steps, Step{Scenario: "setup", Name: name, Side: Setup, Seconds: time.Since(start).Seconds()})
	if err != nil {
		return fmt.Errorf("bench setup %s: %w", name, err)
	}
	return nil
}

func (b *bench) checkPython(ctx context.Context) error {
	out, err := exec.CommandContext(ctx, b.opt.Python, "-c", "import pandas, openpyxl").CombinedOutput()
	if err != nil {
		return fmt.Errorf("bench: the peer needs pandas and openpyxl under %s (Debian: apt-get install python3-pandas python3-openpyxl; or give --python): %w\n%s",
			b.opt.Python, err, strings.TrimSpace(string(out)))
	}
	return nil
}

// limitArgs is the command of a limit step (enlist bench limit) reading
// source into a new database db, with enlist's threads and memory.
func (b *bench) limitArgs(form, source, db string) []string {
	argv := []string{b.opt.Exe, "bench", "limit", "--form", form}
	if b.opt.Threads > 0 {
		argv = append(argv, "--threads", strconv.Itoa(b.opt.Threads))
	}
	if b.opt.MemoryLimit != "" {
		argv = append(argv, "--memory-limit", b.opt.MemoryLimit)
	}
	return append(argv, source, db)
}

// ingest measures the roll: the limit, the typed CTAS and enlist's ingest
// of the UTF-8 and GB18030 roll, alternating, Runs times; the medians count.
func (b *bench) ingest(ctx context.Context, roll, rollGB string) error {
	limitArgs := func(form, db string) []string { return b.limitArgs(form, roll, db) }
	var limit, typed, utf8, gb []float64
	for run := 1; run <= b.opt.Runs; run++ {
		suffix := ""
		if b.opt.Runs > 1 {
			suffix = fmt.Sprintf(" #%d", run)
		}
		st, err := b.step(ctx, "ingest", "limit: CTAS read_csv all_varchar"+suffix, Limit, limitArgs(LimitVarchar, b.path("limit.duckdb")))
		if err != nil {
			return err
		}
		limit = append(limit, st.Seconds)
		if st, err = b.step(ctx, "ingest", "typed CTAS: what enlist stores"+suffix, Limit, limitArgs(LimitTyped, b.path("typed.duckdb"))); err != nil {
			return err
		}
		typed = append(typed, st.Seconds)
		for _, in := range []struct {
			name, file, db string
			into           *[]float64
		}{
			{"enlist ingest UTF-8" + suffix, roll, b.path("roll.duckdb"), &utf8},
			{"enlist ingest GB18030" + suffix, rollGB, b.path("roll_gb.duckdb"), &gb},
		} {
			if err := b.fresh(ctx, "ingest", in.db); err != nil {
				return err
			}
			st, err := b.step(ctx, "ingest", in.name, Ours, b.enlist(in.db, "ingest", "--kind", "registrations", in.file))
			if err != nil {
				return err
			}
			*in.into = append(*in.into, st.Seconds)
		}
	}
	b.rep.TypedVsLimit = ratio(median(typed), median(limit))
	b.rep.IngestVsLimit = ratio(median(utf8), median(limit))
	b.rep.GB18030VsLimit = ratio(median(gb), median(limit))
	return nil
}

// fresh removes a warehouse and its published copies and creates it anew
// (schema, models, regions: a once-in-a-warehouse's-life cost, not timed).
func (b *bench) fresh(ctx context.Context, scenario, db string) error {
	for _, p := range []string{db, db + ".wal", db + ".published"} {
		if err := os.RemoveAll(p); err != nil {
			return fmt.Errorf("bench: %w", err)
		}
	}
	_, err := b.step(ctx, scenario, "init (not compared)", Setup, b.enlist(db, "init"))
	return err
}

// coldTimes are the compared seconds of a cold scenario.
type coldTimes struct{ ingest, bulletin, peer float64 }

// cold loads every extract of a province into a new warehouse, writes
// the province's bulletin, runs the peer on the same extracts, and compares
// the per-county figures.
func (b *bench) cold(ctx context.Context, scenario, province, db, peer string) (coldTimes, error) {
	var t coldTimes
	if err := b.fresh(ctx, scenario, db); err != nil {
		return t, err
	}
	limit, err := b.step(ctx, scenario, "limit: CTAS read_csv of every extract", Limit,
		b.limitArgs(LimitExtracts, province, b.path(scenario+"_limit.duckdb")))
	if err != nil {
		return t, err
	}
	st, err := b.step(ctx, scenario, "enlist ingest (every extract)", Ours, b.enlist(db, "ingest", province))
	if err != nil {
		return t, err
	}
	t.ingest = st.Seconds
	if scenario == "cold" {
		b.rep.ColdIngestVsLimit = ratio(t.ingest, limit.Seconds)
	}
	if t.bulletin, err = b.bulletin(ctx, scenario, db); err != nil {
		return t, err
	}
	peerOut := b.path(scenario + "_peer")
	if st, err = b.step(ctx, scenario, "peer.py (pandas, openpyxl)", Peer, b.peer(peer, peerOut, province)); err != nil {
		return t, err
	}
	t.peer = st.Seconds
	if err := b.compare(ctx, scenario, db, peerOut); err != nil {
		return t, err
	}
	if scenario == "cold" {
		b.rep.ColdSpeedupVsPeer = ratio(t.peer, t.ingest+t.bulletin)
	}
	return t, nil
}

// weekly copies the cold warehouse, loads the week's deliveries into it and
// writes the bulletin; the peer reads the province's extracts and the
// week's, as it keeps nothing between runs.
func (b *bench) weekly(ctx context.Context, province, week, coldDB, peer string) error {
	db := b.path("weekly.duckdb")
	if err := b.timedSetup("copy the cold warehouse", func() error { return files.Copy(coldDB, db) }); err != nil {
		return err
	}
	os.RemoveAll(db + ".published")
	in, err := b.step(ctx, "weekly", "enlist ingest (3 counties' week)", Ours, b.enlist(db, "ingest", week))
	if err != nil {
		return err
	}
	bul, err := b.bulletin(ctx, "weekly", db)
	if err != nil {
		return err
	}
	peerOut := b.path("weekly_peer")
	p, err := b.step(ctx, "weekly", "peer.py (re-reads everything)", Peer, b.peer(peer, peerOut, province, week))
	if err != nil {
		return err
	}
	if err := b.compare(ctx, "weekly", db, peerOut); err != nil {
		return err
	}
	b.rep.WeeklyBulletinSeconds = bul
	b.rep.WeeklySpeedupVsPeer = ratio(p.Seconds, in.Seconds+bul)
	return nil
}

// bulletin writes the province's bulletin from db Runs times, each its own
// process, and gives the median seconds. A bulletin only reads, so every
// run reads the same warehouse; one run alone varied by 0.2-0.4 s on this
// machine at 10,000,000 registrations (4.7-5.1 s), as much as the margin
// its target leaves, so it is timed like the ingest steps. Every run is
// listed.
func (b *bench) bulletin(ctx context.Context, scenario, db string) (float64, error) {
	var secs []float64
	for run := 1; run <= b.opt.Runs; run++ {
		name := "enlist report weekly (province)"
		if b.opt.Runs > 1 {
			name += fmt.Sprintf(" #%d", run)
		}
		st, err := b.step(ctx, scenario, name, Ours,
			b.enlist(db, "report", "weekly", "--scope", Province, "--as-of", AsOf, "--out", b.path(scenario+"_bulletin")))
		if err != nil {
			return 0, err
		}
		secs = append(secs, st.Seconds)
	}
	return median(secs), nil
}

func (b *bench) peer(script, out string, extracts ...string) []string {
	argv := []string{b.opt.Python, script, "--year", strconv.Itoa(Year), "--season", strconv.Itoa(Season),
		"--as-of", AsOf, "--out", out}
	for _, e := range extracts {
		argv = append(argv, "--extracts", e)
	}
	return argv
}

// compare reads our per-county figures through enlist metrics and the
// peer's from its figures.csv; any difference fails the run.
func (b *bench) compare(ctx context.Context, scenario, db, peerOut string) error {
	ours := b.path(scenario + "_figures.csv")
	argv := b.enlist(db, "metrics", "--scope", Province, "--depth", "2", "--year", strconv.Itoa(Year),
		"--season", strconv.Itoa(Season), "--as-of", AsOf, "--format", "csv")
	if _, err := b.stepTo(ctx, scenario, "enlist metrics (figures to compare)", Setup, argv, ours); err != nil {
		return err
	}
	o, err := readFigures(ours)
	if err != nil {
		return fmt.Errorf("bench %s: %w", scenario, err)
	}
	p, err := readFigures(filepath.Join(peerOut, "figures.csv"))
	if err != nil {
		return fmt.Errorf("bench %s: %w", scenario, err)
	}
	n, err := compareFigures(o, p)
	if err != nil {
		return fmt.Errorf("bench %s: %w", scenario, err)
	}
	b.rep.CountiesCompared = max(b.rep.CountiesCompared, n)
	return nil
}

func (b *bench) peakRSS(scenarios ...string) int64 {
	var peak int64
	for _, s := range b.rep.Steps {
		if s.Side == Ours && slices.Contains(scenarios, s.Scenario) {
			peak = max(peak, s.PeakRSSBytes)
		}
	}
	return peak
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// machine describes this computer from /proc (Linux), as BENCHMARKS.md
// records with every figure.
func machine() Machine {
	m := Machine{Cores: runtime.NumCPU(), Go: runtime.Version(), OS: runtime.GOOS + "/" + runtime.GOARCH}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int64
		if _, err := fmt.Sscanf(string(b), "MemTotal: %d kB", &kb); err == nil {
			m.MemoryGiB = int((kb + 1<<19) >> 20)
		}
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(b)); len(f) >= 3 {
			m.Load = strings.Join(f[:3], " ")
		}
	}
	return m
}
