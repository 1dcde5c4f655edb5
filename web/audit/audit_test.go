package audit

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestRecordAndRecent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "w.audit.jsonl")
	l, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 3, 1, 8, 0, 0, 0, time.FixedZone("CST", 8*3600))
	for i, e := range []Entry{
		{Time: t0, User: "wang", Addr: "10.0.0.7", Action: Login, Status: 303},
		{Time: t0.Add(time.Minute), User: "wang", Addr: "10.0.0.7", Action: Download, Target: "/bulletin/410102/2026-03-01.xlsx", Status: 200},
		{Time: t0.Add(2 * time.Minute), Addr: "10.0.0.9", Action: LoginFailed, Target: "bad_credentials\nforged line", Status: 401},
	} {
		if err := l.Record(e); err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("audit file mode: %v %v", st.Mode(), err)
	}
	got, err := l.Recent(2)
	if err != nil {
		t.Fatal(err)
	}
	// Newest first; the newline of a forged target does not start a record.
	if len(got) != 2 || got[0].Action != LoginFailed || got[0].Target != "bad_credentialsforged line" ||
		got[1].Action != Download || got[1].User != "wang" || got[1].Status != 200 {
		t.Fatalf("recent: %+v", got)
	}
	if !got[1].Time.Equal(t0.Add(time.Minute)) || got[1].Time.Location() != time.UTC {
		t.Errorf("time kept as %v, want %v in UTC", got[1].Time, t0.Add(time.Minute))
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if err := l.Record(Entry{Action: Logout}); err == nil {
		t.Error("a record after Close was accepted")
	}

	// Reopening appends; a file made readable by others is made private again.
	os.Chmod(path, 0o644)
	l, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("reopened audit file mode %v", st.Mode().Perm())
	}
	l.Record(Entry{User: "wang", Action: Logout})
	all, err := l.Recent(100)
	if err != nil || len(all) != 4 || all[0].Action != Logout || all[3].Action != Login || all[0].Time.IsZero() {
		t.Fatalf("after reopening: %+v %v", all, err)
	}
}

// TestRecentReadsFromTheEnd: records spread over several of Recent's read
// blocks, and concurrent writers, each record whole on its own line.
func TestRecentReadsFromTheEnd(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.jsonl")
	l, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	const writers, each = 8, 250
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				// A long target makes the 2,000 records about 400 KB.
				if err := l.Record(Entry{User: fmt.Sprintf("u%d", w), Action: API, Target: fmt.Sprintf("/api/v1/metrics?n=%d&%s", i, strings.Repeat("x", 150)), Status: 200}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	f, _ := os.Open(path)
	defer f.Close()
	sc := bufio.NewScanner(f)
	lines := 0
	for sc.Scan() {
		var e Entry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("line %d is not one record: %v", lines+1, err)
		}
		lines++
	}
	if lines != writers*each {
		t.Fatalf("%d lines, want %d", lines, writers*each)
	}
	for _, n := range []int{1, 7, 300, 1999, 2000, 5000} {
		got, err := l.Recent(n)
		want := min(n, writers*each)
		if err != nil || len(got) != want {
			t.Fatalf("Recent(%d): %d records, %v; want %d", n, len(got), err, want)
		}
	}
	// Each writer's records appear in its own order: the newest of each
	// writer among the last records has the highest n.
	got, _ := l.Recent(writers * each)
	lastN := map[string]int{}
	for _, e := range got {
		var n int
		fmt.Sscanf(e.Target, "/api/v1/metrics?n=%d", &n)
		if prev, ok := lastN[e.User]; ok && n >= prev {
			t.Fatalf("writer %s: record %d listed after (older than) %d", e.User, n, prev)
		}
		lastN[e.User] = n
	}
}

func TestNilLogRecordsNothing(t *testing.T) {
	var l *Log
	if err := l.Record(Entry{Action: Login}); err != nil {
		t.Fatal(err)
	}
	if got, err := l.Recent(5); err != nil || got != nil {
		t.Fatal(got, err)
	}
}

func TestLongFieldsBounded(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.jsonl")
	l, _ := Open(path)
	defer l.Close()
	l.Record(Entry{Action: API, Target: strings.Repeat("区", 1000)})
	got, _ := l.Recent(1)
	if len(got) != 1 || len(got[0].Target) > maxField+len("…") || !strings.HasSuffix(got[0].Target, "区…") {
		t.Fatalf("long target kept as %d bytes: %q", len(got[0].Target), got[0].Target[len(got[0].Target)-10:])
	}
}

func TestPathFor(t *testing.T) {
	if got := PathFor("/srv/enlist/410102.duckdb"); got != "/srv/enlist/410102.audit.jsonl" {
		t.Fatal(got)
	}
}
