package warehouse

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// flipCtx is a context that is not done for its first n looks at Err and
// cancelled from then on, the moment it turns waiting long enough for
// DuckDB's threads to take up a query the driver has begun: so each place
// the driver and database/sql look at a query's context can be made the
// one that sees it cancelled.
type flipCtx struct {
	context.Context
	n, looks atomic.Int32
}

func (c *flipCtx) Err() error {
	switch k := c.looks.Add(1); {
	case k < c.n.Load():
		return nil
	case k == c.n.Load():
		time.Sleep(300 * time.Millisecond)
	}
	return context.Canceled
}

// heldByThisProcess tells whether this process holds a POSIX lock on the
// file at path (/proc/locks): DuckDB holds one for as long as its database
// instance of the file lives.
func heldByThisProcess(t *testing.T, path string) bool {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	locks, err := os.ReadFile("/proc/locks")
	if err != nil {
		t.Skipf("no /proc/locks to tell whether the file is still held: %v", err)
	}
	ino := ":" + strconv.FormatUint(st.Sys().(*syscall.Stat_t).Ino, 10)
	me := strconv.Itoa(os.Getpid())
	for _, line := range strings.Split(string(locks), "\n") {
		// 1: POSIX  ADVISORY  READ 4242 08:01:1234 0 EOF
		if f := strings.Fields(line); len(f) >= 6 && f[4] == me && strings.HasSuffix(f[5], ino) {
			return true
		}
	}
	return false
}

// TestCancelledQueryLetsTheFileGo: a query cancelled wherever the driver
// looks at its context, even after it has begun the query in DuckDB and
// before running it, leaves nothing of the database behind once the
// warehouse is closed; before settlingConn, a query cancelled there kept
// DuckDB's instance of the file alive, and the next open of the file in
// the process hung for ever.
func TestCancelledQueryLetsTheFileGo(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "w.duckdb")
	wh, err := Open(ctx, path, Options{Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	if err := wh.Close(); err != nil {
		t.Fatal(err)
	}
	cancelled := 0
	for n := int32(1); ; n++ {
		if n > 100 {
			t.Fatal("the query was still cancelled at its 100th look at the context")
		}
		wh, err := Open(ctx, path, Options{ReadOnly: true, Threads: 2})
		if err != nil {
			t.Fatal(err)
		}
		if !heldByThisProcess(t, path) {
			t.Fatal("an open warehouse shows no lock in /proc/locks: the check below would see nothing")
		}
		fc := &flipCtx{Context: ctx}
		fc.n.Store(n)
		var sum int64
		qerr := wh.DB().QueryRowContext(fc, `SELECT sum(range) FROM range(1000000)`).Scan(&sum)
		if err := wh.Close(); err != nil {
			t.Fatal(err)
		}
		held := true
		for wait := 0; held && wait < 20; wait++ {
			time.Sleep(50 * time.Millisecond)
			held = heldByThisProcess(t, path)
		}
		if held {
			// Opening the file again would hang this test binary.
			t.Fatalf("a query cancelled at its context's look %d (%v) left DuckDB's instance of the file alive after the warehouse closed", n, qerr)
		}
		if qerr == nil {
			if sum != 499999500000 || cancelled == 0 {
				t.Fatalf("sum %d after %d cancelled runs", sum, cancelled)
			}
			return
		}
		if !errors.Is(qerr, context.Canceled) && !strings.Contains(qerr.Error(), "Interrupt") {
			t.Fatalf("look %d: %v", n, qerr)
		}
		cancelled++
	}
}
