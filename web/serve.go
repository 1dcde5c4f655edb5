package web

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"enlist/internal/jobs"
	"enlist/internal/site"
	"enlist/schedules"
	"enlist/web/audit"
	"enlist/web/auth"
)

// DefaultAddr is where the README's examples serve: this machine only,
// for the office's reverse proxy in front.
const DefaultAddr = "127.0.0.1:8080"

// ServeOptions are enlist serve's console flags.
type ServeOptions struct {
	Addr string // --http
	// Grace is how long requests in flight (and runs started from the
	// console) may take to finish after ctx ends.
	Grace time.Duration
	// NoRunNow: the jobs are listed but not started (enlist serve
	// --no-schedules, another process runs them).
	NoRunNow bool
	// Writer is the process's turn on the live warehouse, shared with the
	// scheduled jobs that write it (jobs.EngineSharing); nil: the console's own.
	Writer jobs.Writer
	// Ready hears the address listened on (":0" picks a free port).
	Ready func(net.Addr)
}

// Serve runs the console of site st on opt.Addr until ctx ends, then
// stops taking requests and gives those in flight opt.Grace to finish.
// The accounts file and the audit trail are those beside the warehouse
// (auth.AccountsPathFor, audit.PathFor); eng, when not nil, gives the jobs
// and their inbox and output folders.
func Serve(ctx context.Context, st *site.Site, eng *schedules.Engine, opt ServeOptions) error {
	res, err := st.Resolved()
	if err != nil {
		return err
	}
	sig, err := st.Signature()
	if err != nil {
		return err
	}
	settings, err := st.Config()
	if err != nil {
		return err
	}
	acc, err := auth.OpenAccounts(auth.AccountsPathFor(st.DB))
	if err != nil {
		return err
	}
	trail, err := audit.Open(audit.PathFor(st.DB))
	if err != nil {
		return err
	}
	defer trail.Close()
	guard := auth.NewGuard(acc, trail, auth.Options{})
	wc := Config{Warehouse: st.DB, Threads: res.Threads, MemoryLimit: res.MemoryLimit, Signature: sig,
		Users: func() ([]auth.User, error) { return acc.List(), nil }, Guard: guard, Audit: guard.Record,
		Log: st.Logger(), NoRunNow: opt.NoRunNow, Site: st, Writer: opt.Writer,
		// enlist.yaml's console: section.
		Queries: settings.Console.Queries, SQLTimeout: settings.Console.SQLTimeoutDuration(),
		SQLMaxRows: settings.Console.SQLMaxRows, SQLDownloadRows: settings.Console.SQLDownloadRows,
		Zone: settings.Location()}
	if eng != nil {
		wc.Scheduler = eng
		wc.Inboxes, wc.Archives = jobFolders(st, eng.Jobs())
	}
	srv, err := New(wc)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", opt.Addr)
	if err != nil {
		return errors.Join(fmt.Errorf("--http %s: %w", opt.Addr, err), srv.Close(ctx))
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	wc.Log.Info("web console listening", "addr", ln.Addr().String())
	if len(acc.List()) == 0 {
		// Nobody can sign in yet: say how, where the operator looks first.
		wc.Log.Warn("no accounts yet: nobody can sign in to the console", "add",
			"enlist --db "+st.DB+" user add NAME --role admin --region CODE")
	}
	if opt.Ready != nil {
		opt.Ready(ln.Addr())
	}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	select {
	case err := <-served:
		return errors.Join(fmt.Errorf("web console: %w", err), srv.Close(context.Background()))
	case <-ctx.Done():
	}
	stop, cancel := context.WithTimeout(context.Background(), opt.Grace)
	defer cancel()
	err = hs.Shutdown(stop)
	wc.Log.Info("web console stopped")
	return errors.Join(err, srv.Close(stop))
}

// jobFolders are the ingest jobs' inboxes and the report jobs' output
// folders (up to a {date} in the path), as the jobs resolve them.
func jobFolders(st *site.Site, js []schedules.Job) (inboxes, archives []string) {
	for _, j := range js {
		switch j.Type {
		case schedules.Ingest:
			var p jobs.IngestParams
			if j.DecodeParams(&p) == nil && p.Inbox != "" {
				inboxes = append(inboxes, st.Beside(p.Inbox))
			}
		case schedules.Report:
			var p jobs.ReportParams
			if j.DecodeParams(&p) == nil {
				out := p.Out
				if out == "" {
					out = "bulletins" // the report job's default (internal/jobs)
				}
				if i := strings.Index(out, "{"); i >= 0 {
					out = out[:i]
				}
				archives = append(archives, st.Beside(out))
			}
		}
	}
	return inboxes, archives
}
