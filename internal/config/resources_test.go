package config

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{
		"1GB": 1e9, "512MiB": 512 << 20, "1.5 GB": 1.5e9, "2gib": 2 << 30, "100": 100, "64KB": 64000,
	} {
		if got, err := ParseSize(in); err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "GB", "1XB", "-1GB", "0", "lots"} {
		if _, err := ParseSize(in); err == nil || !strings.Contains(err.Error(), "not a size") {
			t.Errorf("ParseSize(%q): %v, want a refusal", in, err)
		}
	}
}

// TestResourcesDefaultsAndOrder: the built-in defaults bound DuckDB and the
// Go heap; enlist.yaml overrides them, the environment overrides the file,
// and a flag (the last Override) overrides everything.
func TestResourcesDefaultsAndOrder(t *testing.T) {
	def, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	if def.Resources != (Resources{Threads: 0, MemoryLimit: "1GB", GoMemoryLimit: "512MiB"}) {
		t.Fatalf("defaults %+v", def.Resources)
	}
	if got, want := def.Resources.EffectiveThreads(), min(runtime.NumCPU(), 4); got != want {
		t.Errorf("default threads %d, want %d", got, want)
	}
	if n, ok := def.Resources.GoMemoryLimitBytes(); !ok || n != 512<<20 {
		t.Errorf("default Go limit %d %v", n, ok)
	}
	path := filepath.Join(t.TempDir(), "enlist.yaml")
	if err := os.WriteFile(path, []byte("resources:\n  threads: 3\n  memory_limit: 3GB\n  go_memory_limit: \"off\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(path, true)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Resources != (Resources{Threads: 3, MemoryLimit: "3GB", GoMemoryLimit: "off"}) {
		t.Fatalf("from the file: %+v", cfg.Resources)
	}
	if _, ok := cfg.Resources.GoMemoryLimitBytes(); ok {
		t.Error("go_memory_limit off still sets a limit")
	}
	env := map[string]string{EnvMemoryLimit: "2GB", EnvThreads: "2"}
	fromEnv, err := ResourcesFromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	r := cfg.Resources.Override(fromEnv)
	if r != (Resources{Threads: 2, MemoryLimit: "2GB", GoMemoryLimit: "off"}) {
		t.Fatalf("file then environment: %+v", r)
	}
	r = r.Override(Resources{MemoryLimit: "500MB"})
	if r != (Resources{Threads: 2, MemoryLimit: "500MB", GoMemoryLimit: "off"}) {
		t.Fatalf("then the flag: %+v", r)
	}
}

func TestResourcesRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "enlist.yaml")
	if err := os.WriteFile(path, []byte("resources:\n  memory_limit: lots\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path, true); err == nil || !strings.Contains(err.Error(), "resources.memory_limit") {
		t.Errorf("memory_limit: lots: %v", err)
	}
	for k, v := range map[string]string{EnvThreads: "many", EnvGoMemoryLimit: "1XB"} {
		_, err := ResourcesFromEnv(func(key string) string {
			if key == k {
				return v
			}
			return ""
		})
		if err == nil || !strings.Contains(err.Error(), v) {
			t.Errorf("%s=%s: %v", k, v, err)
		}
	}
}
