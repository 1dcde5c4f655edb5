package web

import (
	"context"
	"errors"
	"testing"
	"time"
)

// The console runs at most Queries queries at once: a third request waits
// while two hold their turns, gets one when a turn is given back, and
// stops waiting when its request ends.
func TestQueriesTakeTurns(t *testing.T) {
	tr := make(turns, 2)
	ctx := context.Background()
	done1, err := tr.take(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tr.take(ctx); err != nil {
		t.Fatal(err)
	}
	waiting, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := tr.take(waiting); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a third query while two run: %v, want to wait until its request ends", err)
	}
	got := make(chan error, 1)
	go func() {
		_, err := tr.take(ctx)
		got <- err
	}()
	select {
	case err := <-got:
		t.Fatalf("a third query ran (%v) while two held their turns", err)
	case <-time.After(20 * time.Millisecond):
	}
	done1()
	if err := <-got; err != nil {
		t.Fatalf("after a turn was given back: %v", err)
	}
}
