package web

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"enlist/internal/site"
)

// enlist serve --http --no-schedules serves the console even when the
// schedules cannot be read (they are another process's), warning in the
// log; without --no-schedules the same folder is an error before anything
// is served.
func TestRunServiceConsoleOnly(t *testing.T) {
	if fix.err != nil {
		t.Fatal(fix.err)
	}
	var log bytes.Buffer
	st := &site.Site{DB: fix.live, Log: slog.New(slog.NewTextHandler(&log, nil))}
	missing := filepath.Join(t.TempDir(), "no-schedules")
	if err := RunService(context.Background(), st, ServiceOptions{Schedules: missing, Grace: time.Second,
		Console: ServeOptions{Addr: "127.0.0.1:0"}}); err == nil {
		t.Fatal("a schedule folder that cannot be read was accepted")
	}
	ctx, stop := context.WithCancel(context.Background())
	ready := make(chan net.Addr, 1)
	served := make(chan error, 1)
	go func() {
		served <- RunService(ctx, st, ServiceOptions{Schedules: missing, Grace: time.Second, NoSchedules: true,
			Console: ServeOptions{Addr: "127.0.0.1:0", Ready: func(a net.Addr) { ready <- a }}})
	}()
	select {
	case <-ready:
	case err := <-served:
		t.Fatalf("RunService: %v", err)
	}
	stop()
	if err := <-served; err != nil {
		t.Fatalf("after stop: %v", err)
	}
	if !strings.Contains(log.String(), "the console lists no job") {
		t.Errorf("log: %s", log.String())
	}
}
