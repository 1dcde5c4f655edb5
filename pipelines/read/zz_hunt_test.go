package read

import (
	"math/rand"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestZZHunt(t *testing.T) {
	var seeds [][]byte
	for _, name := range []string{"report", "raw-1904-merged"} {
		b, _ := os.ReadFile("testdata/fuzz/FuzzXLSX/" + name)
		line := strings.Split(string(b), "\n")[1]
		s, _ := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(line, "[]byte("), ")"))
		seeds = append(seeds, []byte(s))
	}
	rng := rand.New(rand.NewSource(1))
	deadline := time.Now().Add(60 * time.Second)
	n := 0
	for time.Now().Before(deadline) {
		in := append([]byte(nil), seeds[rng.Intn(len(seeds))]...)
		for k := rng.Intn(4) + 1; k > 0; k-- {
			i := rng.Intn(len(in))
			switch rng.Intn(3) {
			case 0:
				in[i] = byte(rng.Intn(256))
			case 1:
				in[i] = "0123456789<>\"/:= "[rng.Intn(17)]
			case 2:
				in[i] ^= 1 << rng.Intn(8)
			}
		}
		path := writeFile(t, "h.xlsx", in)
		done := make(chan struct{})
		go func() { checkStream(t, path, Options{}, false); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			os.WriteFile("/tmp/hang.xlsx", in, 0o600)
			panic("hang")
		}
		n++
	}
	t.Logf("%d inputs", n)
}
