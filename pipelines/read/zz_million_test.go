package read

import (
	"context"
	"io"
	"os"
	"testing"
	"time"
)

func TestZZGen(t *testing.T) {
	if _, err := os.Stat("/tmp/m.csv"); err == nil {
		return
	}
	os.WriteFile("/tmp/m.csv", registrations(1_000_000), 0o600)
}

func TestZZMillion(t *testing.T) {
	st, _ := os.Stat("/tmp/m.csv")
	for i := 0; i < 5; i++ {
		t0 := time.Now()
		r, err := Open(context.Background(), "/tmp/m.csv", Options{})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for {
			_, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			n++
		}
		r.Close()
		d := time.Since(t0)
		t.Logf("%d rows, %.1f MB in %v: %.0f MB/s", n, float64(st.Size())/1e6, d, float64(st.Size())/1e6/d.Seconds())
	}
}
