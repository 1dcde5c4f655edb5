package web

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"enlist/schedules"
	"enlist/web/auth"
)

// memoryHistory keeps run records in memory: the engine is real, its
// warehouse history is not what this test is about.
type memoryHistory struct {
	mu   sync.Mutex
	recs []schedules.Record
}

func (h *memoryHistory) Begin(_ context.Context, rec schedules.Record) (int64, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.recs = append(h.recs, rec)
	return int64(len(h.recs)), nil
}
func (h *memoryHistory) End(_ context.Context, rec schedules.Record) error { return nil }
func (h *memoryHistory) LastScheduled(context.Context, string) (time.Time, bool, error) {
	return time.Time{}, false, nil
}
func (h *memoryHistory) Abandon(context.Context) (int, error) { return 0, nil }

// engine is a real schedules.Engine with one job, weekly, whose task says
// on ran when it runs, as which trigger.
func engine(t *testing.T, ran chan<- string) *schedules.Engine {
	t.Helper()
	jobs, err := schedules.Parse("test.yaml", []byte("jobs:\n  - name: weekly\n    cron: \"0 7 * * 1\"\n    type: report\n    params: {scopes: [\"41\"]}\n"))
	if err != nil {
		t.Fatal(err)
	}
	eng, err := schedules.New(jobs, func(j schedules.Job) (schedules.Task, error) {
		return func(ctx context.Context, run schedules.Run) (schedules.Outcome, error) {
			ran <- run.Trigger
			return schedules.Outcome{Message: "done"}, nil
		}, nil
	}, schedules.Options{History: &memoryHistory{}})
	if err != nil {
		t.Fatal(err)
	}
	return eng
}

type auditLine struct {
	action, target string
	status         int
}

func TestRunsPageListsJobsAndRefusedFilesAndRunsAJobNow(t *testing.T) {
	box := t.TempDir()
	failed := filepath.Join(box, "failed", "2025-09-29")
	if err := os.MkdirAll(failed, 0o755); err != nil {
		t.Fatal(err)
	}
	name := "<img src=x onerror=alert(1)>登记.csv" // a file name cannot hold a slash
	os.WriteFile(filepath.Join(failed, name), []byte("x"), 0o644)
	os.WriteFile(filepath.Join(failed, name+".why.txt"), []byte("reason: 缺少必填列 身份证号\n"), 0o644)
	ran := make(chan string, 1)
	var mu sync.Mutex
	var trail []auditLine
	s := newServer(t, Config{Scheduler: engine(t, ran), Inboxes: []string{box},
		Audit: func(r *http.Request, action, target string, status int) {
			mu.Lock()
			trail = append(trail, auditLine{action, target, status})
			mu.Unlock()
		}})
	h := s.as(t, auth.User{Name: "op", Role: auth.Operator, Region: fix.county})

	rec := get(t, h, "GET", "/runs")
	body := rec.Body.String()
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /runs = %d", rec.Code)
	}
	for _, want := range []string{"weekly", "0 7 * * 1", `data-job="weekly"`, "缺少必填列 身份证号", "&lt;img src=x onerror=alert(1)&gt;登记.csv"} {
		if !strings.Contains(body, want) {
			t.Errorf("runs page lacks %q", want)
		}
	}
	if strings.Contains(body, "<img src=x") {
		t.Error("a file name reached the page unescaped")
	}

	rec = get(t, h, "POST", "/runs/weekly")
	if rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), "/runs?started=weekly") {
		t.Fatalf("POST /runs/weekly = %d to %q", rec.Code, rec.Header().Get("Location"))
	}
	select {
	case trigger := <-ran:
		if trigger != schedules.TriggerManual {
			t.Errorf("ran as %q, want %q like enlist run", trigger, schedules.TriggerManual)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the job did not run")
	}
	if rec := get(t, h, "POST", "/runs/nightly"); rec.Code != http.StatusNotFound {
		t.Errorf("POST /runs/nightly (no such job) = %d, want 404", rec.Code)
	}
	mu.Lock()
	defer mu.Unlock()
	want := []auditLine{{"run_now", "weekly", http.StatusSeeOther}, {"run_now", "nightly", http.StatusNotFound}}
	if len(trail) != len(want) || trail[0] != want[0] || trail[1] != want[1] {
		t.Errorf("audit trail %v, want %v", trail, want)
	}
}

// A console beside a service that runs the schedules lists the jobs but
// starts none.
func TestNoRunNowListsJobsOnly(t *testing.T) {
	ran := make(chan string, 1)
	s := newServer(t, Config{Scheduler: engine(t, ran), NoRunNow: true})
	h := s.as(t, auth.User{Name: "op", Role: auth.Operator, Region: fix.county})
	rec := get(t, h, "GET", "/runs")
	if !strings.Contains(rec.Body.String(), "0 7 * * 1") || strings.Contains(rec.Body.String(), `data-job="weekly"`) {
		t.Errorf("the page should list the job without a run-now button")
	}
	if rec := get(t, h, "POST", "/runs/weekly"); rec.Code != http.StatusNotFound {
		t.Errorf("POST /runs/weekly = %d, want 404", rec.Code)
	}
}
