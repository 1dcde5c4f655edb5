package web

import (
	"context"
	"errors"
	"os"
	"time"

	"enlist/internal/jobs"
	"enlist/internal/site"
)

// ServiceOptions are what enlist serve runs.
type ServiceOptions struct {
	Schedules string        // the folder of schedule files
	Grace     time.Duration // on stop, how long running jobs (and requests) may take
	// Console, with an address, is served beside the jobs.
	Console ServeOptions
	// NoSchedules serves the console only: another process runs the jobs,
	// which the console lists when it can read them.
	NoSchedules bool
}

// RunService runs the site's scheduled jobs until ctx ends, holding the
// service lock so that no second service runs them too, with the console
// beside them when opt.Console has an address; with opt.NoSchedules, the
// console alone. The log is the site's.
func RunService(ctx context.Context, st *site.Site, opt ServiceOptions) error {
	log := st.Logger()
	opt.Console.Grace = opt.Grace
	// The console's uploads and the writing jobs take turns on the live file.
	opt.Console.Writer = jobs.NewWriter()
	eng, err := jobs.EngineSharing(st, opt.Schedules, opt.Console.Writer)
	if err != nil && opt.NoSchedules {
		// The console lists the jobs when it can; it serves without them.
		log.Warn("the console lists no job", "schedules", opt.Schedules, "error", err)
		eng, err = nil, nil
	}
	if err != nil {
		return err
	}
	if opt.NoSchedules {
		opt.Console.NoRunNow = true
		return Serve(ctx, st, eng, opt.Console)
	}
	unlock, err := st.ServiceLock()
	if err != nil {
		return err
	}
	defer unlock()
	log.Info("service starting", "warehouse", st.DB, "schedules", opt.Schedules, "jobs", len(eng.Jobs()), "pid", os.Getpid())
	if opt.Console.Addr == "" {
		return eng.Serve(ctx, opt.Grace)
	}
	console := make(chan error, 1)
	go func() { console <- Serve(ctx, st, eng, opt.Console) }()
	return errors.Join(eng.Serve(ctx, opt.Grace), <-console)
}
