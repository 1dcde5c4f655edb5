package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// Side says whose work a step measures.
type Side string

const (
	Ours  Side = "ours"  // enlist
	Limit Side = "limit" // DuckDB alone, no logic of ours
	Peer  Side = "peer"  // the pandas and openpyxl script an analyst would write
	Setup Side = "setup" // preparation, shown but not compared
)

// Step is one timed process.
type Step struct {
	Scenario     string   `json:"scenario"`
	Name         string   `json:"name"`
	Side         Side     `json:"side"`
	Seconds      float64  `json:"seconds"`
	CPUSeconds   float64  `json:"cpu_seconds"`
	PeakRSSBytes int64    `json:"peak_rss_bytes"`
	Command      []string `json:"command,omitempty"`
}

// runner starts each step as its own process, so that its wall time, CPU
// time and peak resident memory (from the kernel's rusage at wait4) are the
// step's alone and a step cannot borrow the warm caches of another.
type runner struct {
	env      []string
	log      *os.File // every child's stdout and stderr, for the failure message
	logPath  string
	progress func(string)
}

// run runs argv, reporting elapsed seconds to progress every half second.
// On cancellation the child gets SIGINT (enlist and python both stop
// cleanly on it) and, if it lingers, SIGKILL.
// stdout, when not "", is a file to hold the child's standard output.
func (r *runner) run(ctx context.Context, scenario, name string, side Side, argv []string, stdout string) (Step, error) {
	st := Step{Scenario: scenario, Name: name, Side: side, Command: argv}
	fmt.Fprintf(r.log, "\n=== %s / %s: %s\n", scenario, name, strings.Join(argv, " "))
	before, _ := r.log.Seek(0, 2)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = r.env
	cmd.Stdout = r.log
	cmd.Stderr = r.log
	if stdout != "" {
		f, err := os.Create(stdout)
		if err != nil {
			return st, fmt.Errorf("%s / %s: %w", scenario, name, err)
		}
		defer f.Close()
		cmd.Stdout = f
	}
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 10 * time.Second
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return st, fmt.Errorf("%s / %s: start %s: %w", scenario, name, argv[0], err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	var err error
wait:
	for {
		select {
		case err = <-done:
			break wait
		case <-tick.C:
			r.progress(fmt.Sprintf("%s: %s (%s) %.0f s", scenario, name, side, time.Since(start).Seconds()))
		}
	}
	st.Seconds = time.Since(start).Seconds()
	if ps := cmd.ProcessState; ps != nil {
		st.CPUSeconds = (ps.UserTime() + ps.SystemTime()).Seconds()
		if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
			st.PeakRSSBytes = ru.Maxrss * 1024 // Linux reports kilobytes
		}
	}
	if ctx.Err() != nil {
		return st, fmt.Errorf("%s / %s: %w", scenario, name, ctx.Err())
	}
	if err != nil {
		return st, fmt.Errorf("%s / %s failed (%w); its output:\n%s", scenario, name, err, r.tail(before))
	}
	return st, nil
}

// tail is the end of what the last child wrote, for an error message.
func (r *runner) tail(from int64) string {
	b, err := os.ReadFile(r.logPath)
	if err != nil || int64(len(b)) < from {
		return "(see " + r.logPath + ")"
	}
	b = b[from:]
	if len(b) > 3000 {
		b = b[len(b)-3000:]
	}
	return string(b) + "\n(all of it in " + r.logPath + ")"
}

// errFigures marks a run whose per-county figures differ from the peer's.
var errFigures = errors.New("per-county figures differ from the peer's")
