package secret

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestCreateAndLoad(t *testing.T) {
	t.Setenv(EnvVar, "")
	path := filepath.Join(t.TempDir(), "enlist.secret")
	created, err := Create(path)
	if err != nil || !created {
		t.Fatalf("Create = %v, %v", created, err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("mode = %v, want 0600", st.Mode().Perm())
	}
	if again, err := Create(path); err != nil || again {
		t.Fatalf("second Create = %v, %v; want false, nil", again, err)
	}
	k1, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	k2, _ := Load(path)
	a := k1.NewPseudonymiser().Of("11010519491231002X")
	b := k2.NewPseudonymiser().Of("11010519491231002X")
	if a != b {
		t.Fatal("same key and number gave different pseudonyms")
	}
	if a == k1.NewPseudonymiser().Of("110105194912310029") {
		t.Fatal("different numbers gave the same pseudonym")
	}
}

func TestLoadRefusals(t *testing.T) {
	t.Setenv(EnvVar, "")
	dir := t.TempDir()
	if _, err := Load(filepath.Join(dir, "missing")); !errors.Is(err, ErrNoSecret) {
		t.Errorf("missing file: %v", err)
	}
	if _, err := Load(""); !errors.Is(err, ErrNoSecret) {
		t.Errorf("no path: %v", err)
	}
	open := filepath.Join(dir, "open.secret")
	if err := os.WriteFile(open, []byte("0123456789abcdef0123"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(open); !errors.Is(err, ErrExposed) {
		t.Errorf("0644 file: %v", err)
	}
	t.Setenv(EnvVar, "short")
	if _, err := Load(""); err == nil {
		t.Error("short env secret accepted")
	}
	t.Setenv(EnvVar, "a-long-enough-secret-value")
	k, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	other := Key{b: []byte("another-long-enough-secret")}
	if k.NewPseudonymiser().Of("x") == other.NewPseudonymiser().Of("x") {
		t.Error("different keys gave the same pseudonym")
	}
}
