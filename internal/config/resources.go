package config

import (
	"fmt"
	"math"
	"runtime"
	"strconv"
	"strings"
)

// Resources bound what one enlist process takes of the server it shares
// with the office's other work: DuckDB's worker threads and memory (past
// memory_limit DuckDB spills to its temporary folder; it is not a hard cap
// on the process, so threads are capped too) and a soft limit on the Go
// heap, near which the garbage collector works harder instead of letting
// the heap grow.
type Resources struct {
	// Threads are DuckDB's worker threads; 0 means every core, at most
	// DefaultMaxThreads.
	Threads int `yaml:"threads"`
	// MemoryLimit is DuckDB's memory_limit, e.g. "1GB"; "" takes DuckDB's
	// own default (80 % of the machine's memory).
	MemoryLimit string `yaml:"memory_limit"`
	// GoMemoryLimit is the Go heap's soft limit, e.g. "512MiB"; "off" for
	// none. The GOMEMLIMIT variable of the Go runtime, when set, wins.
	GoMemoryLimit string `yaml:"go_memory_limit"`
}

// DefaultMaxThreads caps the default thread count: beyond it a load gains
// little and the server's other work loses cores.
const DefaultMaxThreads = 4

// Environment variables that override enlist.yaml's resources; the
// command-line flags (--threads, --memory-limit, --go-memory-limit)
// override both.
const (
	EnvThreads       = "ENLIST_THREADS"
	EnvMemoryLimit   = "ENLIST_MEMORY_LIMIT"
	EnvGoMemoryLimit = "ENLIST_GO_MEMORY_LIMIT"
)

// ResourcesFromEnv reads the ENLIST_ variables; unset ones stay zero.
func ResourcesFromEnv(getenv func(string) string) (Resources, error) {
	var r Resources
	if v := strings.TrimSpace(getenv(EnvThreads)); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return r, fmt.Errorf("%s=%q: give a number of threads (0 for the default)", EnvThreads, v)
		}
		r.Threads = n
	}
	r.MemoryLimit = strings.TrimSpace(getenv(EnvMemoryLimit))
	r.GoMemoryLimit = strings.TrimSpace(getenv(EnvGoMemoryLimit))
	if err := r.validate(); err != nil {
		return r, fmt.Errorf("environment: %w", err)
	}
	return r, nil
}

// Override returns r with every value set in over in place of its own.
func (r Resources) Override(over Resources) Resources {
	if over.Threads != 0 {
		r.Threads = over.Threads
	}
	if over.MemoryLimit != "" {
		r.MemoryLimit = over.MemoryLimit
	}
	if over.GoMemoryLimit != "" {
		r.GoMemoryLimit = over.GoMemoryLimit
	}
	return r
}

// EffectiveThreads is Threads, or every core up to DefaultMaxThreads.
func (r Resources) EffectiveThreads() int {
	if r.Threads > 0 {
		return r.Threads
	}
	return min(runtime.NumCPU(), DefaultMaxThreads)
}

// GoMemoryLimitBytes is the Go heap's soft limit in bytes, and false for
// none.
func (r Resources) GoMemoryLimitBytes() (int64, bool) {
	if r.GoMemoryLimit == "" || strings.EqualFold(r.GoMemoryLimit, "off") {
		return 0, false
	}
	n, err := ParseSize(r.GoMemoryLimit)
	return n, err == nil
}

func (r Resources) validate() error {
	if r.Threads < 0 {
		return fmt.Errorf("resources.threads = %d: give 0 (the default) or more", r.Threads)
	}
	if r.MemoryLimit != "" {
		if _, err := ParseSize(r.MemoryLimit); err != nil {
			return fmt.Errorf("resources.memory_limit: %w", err)
		}
	}
	if r.GoMemoryLimit != "" && !strings.EqualFold(r.GoMemoryLimit, "off") {
		if _, err := ParseSize(r.GoMemoryLimit); err != nil {
			return fmt.Errorf("resources.go_memory_limit: %w", err)
		}
	}
	return nil
}

// sizeUnits are the units DuckDB's memory_limit accepts: decimal (KB, MB,
// GB, TB) and binary (KiB, MiB, GiB, TiB).
var sizeUnits = map[string]float64{
	"": 1, "b": 1,
	"kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12,
	"kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "tib": 1 << 40,
}

// ParseSize reads a size such as "1GB", "512MiB" or "1.5 GB" as bytes.
func ParseSize(s string) (int64, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	i := strings.IndexFunc(t, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	num, unit := t, ""
	if i >= 0 {
		num, unit = t[:i], strings.TrimSpace(t[i:])
	}
	f, err := strconv.ParseFloat(num, 64)
	mult, ok := sizeUnits[unit]
	if err != nil || !ok || f <= 0 || f*mult > math.MaxInt64 {
		return 0, fmt.Errorf("%q is not a size such as 1GB or 512MiB", s)
	}
	return int64(f * mult), nil
}
