package bench

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteJSON(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bench.json")
	if err := WriteJSON(path, map[string]int{"rows": 3}); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "{\n  \"rows\": 3\n}\n" {
		t.Errorf("%q %v", b, err)
	}
	if err := WriteJSON(filepath.Join(path, "x.json"), 1); err == nil || !strings.Contains(err.Error(), "write ") {
		t.Errorf("unwritable: %v", err)
	}
}
