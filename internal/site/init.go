package site

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"enlist/internal/secret"
	"enlist/internal/warehouse"
)

// Initialised is what Init did, for the office to be told.
type Initialised struct {
	// SecretCreated: a new secret file was made at SecretPath.
	SecretCreated bool
	SecretPath    string
	// Recorded: the warehouse, which held Held loads and deliveries but no
	// fingerprint, now keeps that of the secret in use.
	Recorded bool
	Held     int
	// Fingerprint is the secret's short fingerprint; SchemaVersion the
	// warehouse's, set once it is ready.
	Fingerprint   string
	SchemaVersion int
}

// Init creates the warehouse and its secret, or brings an existing
// warehouse up to date, and publishes it. It is the only way a warehouse
// comes into being (Open refuses a missing one), and it never makes a new
// secret for a warehouse that holds data: the people already stored would
// no longer match anyone in new files. What it did is returned even with
// an error, so nothing done goes untold.
func (s *Site) Init(ctx context.Context) (done Initialised, err error) {
	if dir := filepath.Dir(s.DB); !isDir(dir) {
		return done, fmt.Errorf("folder %s does not exist: create it first (mkdir -p %s) or give --db a path in an existing folder", dir, dir)
	}
	wh, err := s.OpenCreating(ctx)
	if err != nil {
		return done, err
	}
	defer func() {
		if cerr := wh.Close(); cerr != nil {
			err = errors.Join(err, cerr)
		}
		if err == nil {
			err = s.Publish(ctx)
		}
	}()
	held, err := HeldData(ctx, wh)
	if err != nil {
		return done, err
	}
	fp, err := wh.SecretFingerprint(ctx)
	if err != nil {
		return done, fmt.Errorf("read the secret fingerprint of %s: %w", s.DB, err)
	}
	path := s.SecretPath()
	if _, kerr := s.Key(); errors.Is(kerr, secret.ErrNoSecret) && (held > 0 || fp != "") {
		return done, fmt.Errorf("warehouse %s already holds data (%d loads and deliveries) made with a secret of fingerprint %s, "+
			"but its secret file %s is missing. Restore that file from backup (or set %s to the secret); "+
			"enlist init does not make a new secret here, as new files would no longer match the people already stored",
			s.DB, held, orNone(secret.Short(fp)), path, secret.EnvVar)
	}
	created, err := secret.Create(path)
	if err != nil {
		return done, err
	}
	done.SecretCreated, done.SecretPath = created, path
	key, err := s.Key()
	if err != nil {
		return done, err
	}
	done.Fingerprint = secret.Short(key.Fingerprint())
	recorded, err := wh.CheckSecret(ctx, key, "init")
	if err != nil {
		return done, err
	}
	done.Recorded, done.Held = recorded && held > 0, held
	if held > 0 {
		// Models brought up to date make every season's kept warnings
		// between files stale; left so, the bulletin computes them.
		if _, err := wh.KeepSeasonWarnings(ctx); err != nil {
			s.Logger().Warn("warnings between files not kept; the bulletin will compute them", "err", err)
		}
	}
	v, err := wh.SchemaVersion(ctx)
	if err != nil {
		return done, fmt.Errorf("read the schema version of %s: %w", s.DB, err)
	}
	done.SchemaVersion = v
	return done, nil
}

// HeldData counts the loads and rollup deliveries a warehouse has ever
// taken: any of them means its people were pseudonymised under its secret.
func HeldData(ctx context.Context, wh *warehouse.Warehouse) (int, error) {
	var n int
	err := wh.DB().QueryRowContext(ctx, `SELECT (SELECT count(*) FROM load_ledger) + (SELECT count(*) FROM rollup_deliveries)`).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count loads in %s: %w", wh.Path(), err)
	}
	return n, nil
}

func orNone(s string) string {
	if s == "" {
		return "(none recorded)"
	}
	return s
}

func isDir(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.IsDir()
}
