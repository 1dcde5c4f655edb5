package files

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/gofrs/flock"
)

// ErrLocked means another process holds the lock file.
var ErrLocked = errors.New("held by another process")

// Lock is an exclusive lock (flock) on a lock file. The operating system
// lets go of it when the process ends, however it ends, so a crash never
// leaves a lock behind that someone has to remove by hand; the file itself
// stays, and only says who held it last.
type Lock struct {
	fl *flock.Flock
}

// lockRetry is how often WaitLock tries again while another process holds
// the file: the holders (a publish, a load) take seconds, not milliseconds.
const lockRetry = 20 * time.Millisecond

// TryLock takes the lock file at path (creating it, mode 0640) without
// waiting. When another process holds it the error wraps ErrLocked; Holder
// tells who. On success the file records this process's id.
func TryLock(path string) (*Lock, error) {
	fl := newFlock(path)
	ok, err := fl.TryLock()
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if !ok {
		return nil, fmt.Errorf("lock %s: %w", path, ErrLocked)
	}
	return taken(fl)
}

// WaitLock takes the lock file at path, waiting while another process holds
// it, until ctx is done.
func WaitLock(ctx context.Context, path string) (*Lock, error) {
	fl := newFlock(path)
	ok, err := fl.TryLockContext(ctx, lockRetry)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if !ok { // TryLockContext returns ctx's error in that case; belt and braces
		return nil, fmt.Errorf("lock %s: %w", path, ErrLocked)
	}
	return taken(fl)
}

func newFlock(path string) *flock.Flock {
	return flock.New(path, flock.SetFlag(os.O_CREATE|os.O_RDWR), flock.SetPermissions(0o640))
}

// taken records the holder in the lock file, for the message another
// process gives when it finds the file held.
func taken(fl *flock.Flock) (*Lock, error) {
	// A second descriptor: the lock belongs to the first, which stays open.
	if err := os.WriteFile(fl.Path(), fmt.Appendf(nil, "pid %d\n", os.Getpid()), 0o640); err != nil {
		fl.Close() //nolint:errcheck // the write's error is the one to report
		return nil, fmt.Errorf("lock %s: %w", fl.Path(), err)
	}
	return &Lock{fl: fl}, nil
}

// Unlock lets go of the lock. The file stays: removing it would let a
// process that opened it just before take a lock on a file nobody else
// sees any more.
func (l *Lock) Unlock() error {
	if err := l.fl.Close(); err != nil {
		return fmt.Errorf("unlock %s: %w", l.fl.Path(), err)
	}
	return nil
}

// Holder is what the last holder of the lock file at path recorded
// ("pid 1234"), or "" when it cannot be read.
func Holder(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}
