package web

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"enlist/pipelines/inbox"
	"enlist/schedules"
)

// startedRun is a run started from the console, as the console saw it end.
type startedRun struct {
	Job, User string
	Started   time.Time
	Record    schedules.Record
	Err       string
	Done      bool
}

// jobView is a job as the runs page and /api/v1/runs show it.
type jobView struct {
	Name    string    `json:"name"`
	Type    string    `json:"type"`
	Cron    string    `json:"cron"`
	Zone    string    `json:"zone"`
	NextRun time.Time `json:"next_run"`
}

// runView is one recorded run.
type runView struct {
	ID        int64            `json:"id"`
	Job       string           `json:"job"`
	Trigger   string           `json:"trigger"`
	Scheduled time.Time        `json:"scheduled"`
	Attempt   int              `json:"attempt"`
	Started   time.Time        `json:"started"`
	Finished  *time.Time       `json:"finished,omitempty"`
	Status    string           `json:"status"`
	Message   string           `json:"message,omitempty"`
	Counts    map[string]int64 `json:"counts,omitempty"`
}

// failedFile is an inbox file moved to failed/, with its note.
type failedFile struct {
	Inbox string    `json:"inbox"`
	File  string    `json:"file"`
	Moved time.Time `json:"moved"`
	Why   string    `json:"why"`
}

// runsView is what the runs page and /api/v1/runs show.
type runsView struct {
	Jobs     []jobView    `json:"jobs"`
	LastRuns []runView    `json:"last_runs"`
	Failed   []failedFile `json:"failed_files"`
}

// lastRunsPerJob is how many runs of each job are shown.
const lastRunsPerJob = 5

// failedShown bounds the failed files listed, newest first.
const failedShown = 100

func (s *Server) runsView(ctx context.Context) (runsView, error) {
	v := runsView{Jobs: []jobView{}, LastRuns: []runView{}, Failed: []failedFile{}}
	now := s.now()
	if s.cfg.Scheduler != nil {
		for _, j := range s.cfg.Scheduler.Jobs() {
			v.Jobs = append(v.Jobs, jobView{Name: j.Name, Type: j.Type, Cron: j.Spec, Zone: j.Zone.String(), NextRun: j.Next(now)})
		}
	}
	wh, release, err := s.pub.acquire(ctx)
	if err != nil {
		return v, err
	}
	runs, err := schedules.RecentRuns(ctx, wh.DB(), lastRunsPerJob)
	release()
	if err != nil {
		return v, err
	}
	for _, recs := range runs {
		for _, r := range recs {
			rv := runView{ID: r.ID, Job: r.Job, Trigger: r.Trigger, Scheduled: r.Scheduled, Attempt: r.Attempt,
				Started: r.Started, Status: r.Status, Message: r.Message, Counts: r.Counts}
			if !r.Finished.IsZero() {
				fin := r.Finished
				rv.Finished = &fin
			}
			v.LastRuns = append(v.LastRuns, rv)
		}
	}
	sort.Slice(v.LastRuns, func(i, j int) bool { return v.LastRuns[i].Started.After(v.LastRuns[j].Started) })
	v.Failed = s.failedFiles()
	return v, nil
}

// failedFiles are the files the ingest jobs moved to failed/, each with
// the note saying why, newest first.
func (s *Server) failedFiles() []failedFile {
	out := []failedFile{}
	for _, box := range s.cfg.Inboxes {
		root := filepath.Join(box, inbox.FailedDir)
		filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error { //nolint:errcheck // an unreadable folder lists nothing
			if err != nil || d.IsDir() || strings.HasSuffix(path, ".why.txt") {
				return nil
			}
			info, err := d.Info()
			if err != nil {
				return nil
			}
			rel, _ := filepath.Rel(root, path)
			f := failedFile{Inbox: box, File: rel, Moved: info.ModTime()}
			if note, err := os.ReadFile(path + ".why.txt"); err == nil {
				f.Why = string(note)
			}
			out = append(out, f)
			return nil
		})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Moved.After(out[j].Moved) })
	if len(out) > failedShown {
		out = out[:failedShown]
	}
	return out
}

type runsPage struct {
	View    runsView
	Started []startedRun
	Flash   string
	RunURL  func(job string) string
	Zone    func(t time.Time) string
	CanRun  bool
}

// runsPage shows the jobs, their next runs, the last runs and the files
// refused from the inbox; an operator starts a job from here.
func (s *Server) runsPage(w http.ResponseWriter, r *http.Request, c *call) {
	v, err := s.runsView(r.Context())
	if err != nil {
		s.failed(w, r, c, err)
		return
	}
	p := runsPage{View: v, CanRun: s.cfg.Scheduler != nil && !s.cfg.NoRunNow,
		RunURL: func(job string) string { return c.link("/runs/"+url.PathEscape(job), nil) },
		Zone:   func(t time.Time) string { return t.Format("2006-01-02 15:04:05 -07:00") }}
	s.mu.Lock()
	p.Started = append(p.Started, s.started...)
	s.mu.Unlock()
	sort.Slice(p.Started, func(i, j int) bool { return p.Started[i].Started.After(p.Started[j].Started) })
	if job := r.URL.Query().Get("started"); job != "" {
		p.Flash = c.Lang.f("run_started", job)
	}
	s.render(w, r, c, http.StatusOK, "runs", s.frame(r, c, "runs", c.Lang.t("runs"), p))
}

// runNow starts a job as `enlist run JOB` does (trigger manual, retries as
// configured, recorded in job_runs) and returns to the runs page at once;
// the run goes on after the request, until it ends or the server stops.
func (s *Server) runNow(w http.ResponseWriter, r *http.Request, c *call) {
	name := r.PathValue("job")
	known := false
	if s.cfg.Scheduler != nil && !s.cfg.NoRunNow {
		for _, j := range s.cfg.Scheduler.Jobs() {
			known = known || j.Name == name
		}
	}
	if !known {
		s.audit(r, c, "run_now", name, http.StatusNotFound)
		s.fail(w, r, c, http.StatusNotFound, "job", c.Lang.f("no_such_job", name))
		return
	}
	s.mu.Lock()
	s.started = append(s.started, startedRun{Job: name, User: c.User.Name, Started: s.now()})
	i := len(s.started) - 1
	s.mu.Unlock()
	s.running.Add(1)
	go func() {
		defer s.running.Done()
		rec, err := s.cfg.Scheduler.RunNow(s.runCtx, name, true)
		s.mu.Lock()
		s.started[i].Record, s.started[i].Done = rec, true
		if err != nil {
			s.started[i].Err = err.Error()
		}
		s.mu.Unlock()
		s.cfg.Log.Info("run started from the console ended", "job", name, "user", c.User.Name, "status", rec.Status)
	}()
	s.audit(r, c, "run_now", name, http.StatusSeeOther)
	http.Redirect(w, r, c.link("/runs", url.Values{"started": {name}}), http.StatusSeeOther)
}

// apiRuns is /api/v1/runs: the jobs, their next runs, the last runs and
// the files refused from the inbox, as JSON.
func (s *Server) apiRuns(w http.ResponseWriter, r *http.Request, c *call) {
	v, err := s.runsView(r.Context())
	if err != nil {
		s.failed(w, r, c, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}
