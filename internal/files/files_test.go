package files

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestWriteReplacesWholeWithExactMode(t *testing.T) {
	old := syscall.Umask(0o077)
	defer syscall.Umask(old)
	dir := t.TempDir()
	path := filepath.Join(dir, "周报.xlsx")
	if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(path, []byte("new content"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil || string(got) != "new content" {
		t.Fatalf("content = %q, %v", got, err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	// A report is for reading: 0644 even under a 077 umask.
	if st.Mode().Perm() != 0o644 {
		t.Errorf("mode = %v, want 0644", st.Mode().Perm())
	}
	onlyFiles(t, dir, "周报.xlsx")
}

func TestWriteFailureKeepsOldFileAndLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "note.json")
	if err := os.WriteFile(path, []byte("earlier"), 0o640); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("disk full")
	err := Write(path, 0o640, func(w io.Writer) error {
		if _, err := io.WriteString(w, "half of"); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), path) {
		t.Fatalf("err = %v, want %v naming %s", err, boom, path)
	}
	got, _ := os.ReadFile(path)
	if string(got) != "earlier" {
		t.Errorf("old file = %q, want it unchanged", got)
	}
	onlyFiles(t, dir, "note.json")
}

func TestCopyAtomic(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "live.duckdb")
	if err := os.WriteFile(src, []byte("warehouse bytes"), 0o600); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(dir, "v000001.duckdb")
	if err := CopyAtomic(src, dst, 0o640); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(dst)
	if string(got) != "warehouse bytes" {
		t.Errorf("copy = %q", got)
	}
	if err := CopyAtomic(filepath.Join(dir, "missing"), dst, 0o640); err == nil {
		t.Error("copy of a missing file succeeded")
	}
	got, _ = os.ReadFile(dst)
	if string(got) != "warehouse bytes" {
		t.Errorf("failed copy changed dst to %q", got)
	}
	onlyFiles(t, dir, "live.duckdb", "v000001.duckdb")
}

func TestSymlinkReplaces(t *testing.T) {
	dir := t.TempDir()
	link := filepath.Join(dir, "current")
	for _, target := range []string{"v000001.duckdb", "v000002.duckdb"} {
		if err := Symlink(target, link); err != nil {
			t.Fatal(err)
		}
		if got, err := os.Readlink(link); err != nil || got != target {
			t.Fatalf("current -> %q, %v; want %q", got, err, target)
		}
	}
	onlyFiles(t, dir, "current")
}

func TestTryLockExcludesAndNamesHolder(t *testing.T) {
	path := filepath.Join(t.TempDir(), ".enlist-inbox.lock")
	l, err := TryLock(path)
	if err != nil {
		t.Fatal(err)
	}
	// flock locks belong to an open file, so a second take in the same
	// process is refused as another process's would be.
	if _, err := TryLock(path); !errors.Is(err, ErrLocked) {
		t.Fatalf("second TryLock: %v, want ErrLocked", err)
	}
	if got, want := Holder(path), fmt.Sprintf("pid %d", os.Getpid()); got != want {
		t.Errorf("Holder = %q, want %q", got, want)
	}
	if err := l.Unlock(); err != nil {
		t.Fatal(err)
	}
	l2, err := TryLock(path)
	if err != nil {
		t.Fatalf("TryLock after Unlock: %v", err)
	}
	l2.Unlock()
}

func TestWaitLockWaitsForHolderAndForContext(t *testing.T) {
	path := filepath.Join(t.TempDir(), ".lock")
	l, err := TryLock(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := WaitLock(ctx, path); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("WaitLock on a held file: %v, want deadline exceeded", err)
	}
	released := make(chan struct{})
	go func() {
		time.Sleep(150 * time.Millisecond)
		close(released)
		l.Unlock()
	}()
	l2, err := WaitLock(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-released:
	default:
		t.Error("WaitLock returned while the file was still held")
	}
	l2.Unlock()
}

// A process killed while holding the lock leaves no lock behind.
func TestLockReleasedWhenHolderIsKilled(t *testing.T) {
	if path := os.Getenv("FILES_TEST_HOLD"); path != "" {
		if _, err := TryLock(path); err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		fmt.Println("held")
		time.Sleep(time.Minute)
		os.Exit(0)
	}
	path := filepath.Join(t.TempDir(), "w.duckdb.serve.lock")
	cmd := exec.Command(os.Args[0], "-test.run=^TestLockReleasedWhenHolderIsKilled$")
	cmd.Env = append(os.Environ(), "FILES_TEST_HOLD="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || strings.TrimSpace(line) != "held" {
		t.Fatalf("holder said %q, %v", line, err)
	}
	if _, err := TryLock(path); !errors.Is(err, ErrLocked) {
		t.Fatalf("TryLock while another process holds it: %v, want ErrLocked", err)
	}
	if got, want := Holder(path), fmt.Sprintf("pid %d", cmd.Process.Pid); got != want {
		t.Errorf("Holder = %q, want %q", got, want)
	}
	cmd.Process.Kill()
	cmd.Wait()
	l, err := TryLock(path)
	if err != nil {
		t.Fatalf("TryLock after the holder was killed: %v", err)
	}
	l.Unlock()
}

// onlyFiles fails unless dir holds exactly names: no temporary file left.
func onlyFiles(t *testing.T, dir string, names ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if strings.Join(got, ",") != strings.Join(names, ",") {
		t.Errorf("%s holds %v, want %v", dir, got, names)
	}
}
