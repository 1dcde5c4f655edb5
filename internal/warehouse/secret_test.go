package warehouse

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"enlist/internal/secret"
)

// TestMigrationBelowTheHighestIsApplied: a warehouse made by a build that
// had migration 0010 but not 0007 (branches merged in another order) gets
// 0007 on its next open; before, migrations below the highest applied were
// skipped for ever, and the secret fingerprint table never appeared.
func TestMigrationBelowTheHighestIsApplied(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "w.duckdb")
	wh, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`DROP TABLE secret_fingerprint`, `DROP TABLE load_replacements`,
		`ALTER TABLE load_ledger DROP COLUMN restores`, `ALTER TABLE load_ledger DROP COLUMN withdrawn_at`,
		`ALTER TABLE load_ledger DROP COLUMN withdrawn_by`, `ALTER TABLE load_ledger DROP COLUMN withdraw_reason`,
		`DELETE FROM schema_version WHERE version = 7`,
	} {
		if _, err := wh.DB().Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	wh.Close()
	if wh, err = Open(ctx, path, Options{}); err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	if fp, err := wh.SecretFingerprint(ctx); err != nil || fp != "" {
		t.Fatalf("fingerprint after the late migration: %q, %v", fp, err)
	}
}

// TestCheckSecret: the first key is recorded; the same key passes; another
// is refused with secret.ErrMismatch, and the recorded one stays.
func TestCheckSecret(t *testing.T) {
	ctx := context.Background()
	wh, err := Open(ctx, filepath.Join(t.TempDir(), "w.duckdb"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	t.Setenv(secret.EnvVar, "first-secret-0123456789abcdef")
	k1, _ := secret.Load("")
	t.Setenv(secret.EnvVar, "second-secret-0123456789abcdef")
	k2, _ := secret.Load("")
	if rec, err := wh.CheckSecret(ctx, k1, "init"); err != nil || !rec {
		t.Fatalf("first check: recorded %v, %v", rec, err)
	}
	if rec, err := wh.CheckSecret(ctx, k1, "ingest"); err != nil || rec {
		t.Fatalf("same key: recorded %v, %v", rec, err)
	}
	if _, err := wh.CheckSecret(ctx, k2, "ingest"); !errors.Is(err, secret.ErrMismatch) {
		t.Fatalf("another key: %v, want ErrMismatch", err)
	}
	if fp, _ := wh.SecretFingerprint(ctx); fp != k1.Fingerprint() || fp == k2.Fingerprint() {
		t.Errorf("recorded fingerprint changed")
	}
	if k1.Fingerprint() == "" || len(k1.Fingerprint()) != 64 {
		t.Errorf("fingerprint %q is not hex SHA-256", k1.Fingerprint())
	}
}
