package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"sync"
	"testing"

	"enlist/internal/secret"
	"enlist/internal/warehouse"
	"enlist/pipelines/load"
	"enlist/web/auth"
)

// Readers of pages and of the API never fail while a load and a publish
// happen beside them: each request reads one published copy whole, and the
// copy replaced is closed once its last reader is done.
func TestReadersDuringALoadAndAPublish(t *testing.T) {
	s := newServer(t, Config{})
	h := s.as(t, auth.User{Name: "reader", Role: auth.Leader, Region: fix.county[:4]})
	before, release, err := s.pub.acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	release()

	const clients, requests = 6, 3
	errs := make(chan string, clients*requests)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for i := range requests {
				target := "/?scope=" + fix.county
				if (c+i)%2 == 1 {
					target = "/api/v1/metrics?scope=" + fix.county[:4] + "&depth=1"
				}
				if rec := get(t, h, "GET", target); rec.Code != http.StatusOK {
					errs <- fmt.Sprintf("%s = %d: %.200s", target, rec.Code, rec.Body)
				}
			}
		}()
	}
	close(start)
	// The writer: a regions extract renaming the sibling's first town,
	// loaded into the live file and published.
	func() {
		ctx := context.Background()
		key, err := secret.Load("")
		if err != nil {
			t.Error(err)
			return
		}
		wh, err := warehouse.Open(ctx, fix.live, warehouse.Options{Threads: 1})
		if err != nil {
			t.Error(err)
			return
		}
		l, err := load.NewLoader(wh, key, nil, nil)
		if err == nil {
			dir := filepath.Join(t.TempDir(), "rename")
			if err = writeCSV(filepath.Join(dir, "更名.csv"), []string{"区划代码", "区划名称"}, [][]string{{fix.sibling + "001", "测试镇"}}); err == nil {
				_, err = l.LoadPaths(ctx, []string{dir}, load.Options{})
			}
		}
		if err := errors.Join(err, wh.Close()); err != nil {
			t.Error(err)
			return
		}
		if _, err := warehouse.Publish(ctx, fix.live); err != nil {
			t.Error(err)
		}
	}()
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	// Readers after the publish read the new copy.
	if rec := get(t, h, "GET", "/?scope="+fix.county); rec.Code != http.StatusOK {
		t.Fatalf("after the publish = %d", rec.Code)
	}
	after, release, err := s.pub.acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	release()
	if after.Path() == before.Path() {
		t.Errorf("still reading %s after the publish", before.Path())
	}
}
