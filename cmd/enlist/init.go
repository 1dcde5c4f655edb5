package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"enlist/internal/secret"
	"enlist/internal/warehouse"
)

func runInit(ctx context.Context, e *env, args []string) error {
	fs := e.newFlags("init", "", "Create the warehouse (schema, models, built-in regions) and, when none exists,\n"+
		"a pseudonymisation secret file readable only by its owner (mode 0600). The warehouse keeps\n"+
		"a fingerprint of the secret (never the secret), and every load and rollup refuses another\n"+
		"secret. On a warehouse that already holds data, init never makes a new secret: a lost\n"+
		"secret file must be restored from backup.",
		"  enlist init\n  enlist --db /srv/enlist/henan.duckdb init")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return fmt.Errorf("%w: init takes no arguments", errUsage)
	}
	return initWarehouse(ctx, e)
}

// initWarehouse creates the warehouse and its secret, or brings an existing
// warehouse up to date. It is the only way a warehouse comes into being
// (every other command refuses a missing one), and it never makes a new
// secret for a warehouse that holds data: the people already stored would
// no longer match anyone in new files.
func initWarehouse(ctx context.Context, e *env) (err error) {
	if dir := filepath.Dir(e.db); !isDir(dir) {
		return fmt.Errorf("folder %s does not exist: create it first (mkdir -p %s) or give --db a path in an existing folder", dir, dir)
	}
	wh, err := e.openCreating(ctx)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := wh.Close(); cerr != nil {
			err = errors.Join(err, cerr)
		}
		if err == nil {
			err = e.publish(ctx)
		}
	}()
	held, err := heldData(ctx, wh)
	if err != nil {
		return err
	}
	fp, err := wh.SecretFingerprint(ctx)
	if err != nil {
		return err
	}
	path := e.secretPath()
	if _, kerr := e.key(); errors.Is(kerr, secret.ErrNoSecret) && (held > 0 || fp != "") {
		return fmt.Errorf("warehouse %s already holds data (%d loads and deliveries) made with a secret of fingerprint %s, "+
			"but its secret file %s is missing. Restore that file from backup (or set %s to the secret); "+
			"enlist init does not make a new secret here, as new files would no longer match the people already stored",
			e.db, held, orNone(secret.Short(fp)), path, secret.EnvVar)
	}
	created, err := secret.Create(path)
	if err != nil {
		return err
	}
	if created {
		fmt.Fprintf(e.stdout, "created secret %s (mode 0600); keep it outside the warehouse and back it up: without it new loads cannot be matched to earlier ones\n", path)
	}
	key, err := e.key()
	if err != nil {
		return err
	}
	recorded, err := wh.CheckSecret(ctx, key, "init")
	if err != nil {
		return err
	}
	if recorded && held > 0 {
		fmt.Fprintf(e.stdout, "recorded the fingerprint %s of the secret in use in %s, which had none: from now on every load and rollup refuses another secret. "+
			"If %d earlier loads were made with another secret, restore that secret instead and run init again\n",
			secret.Short(key.Fingerprint()), e.db, held)
	}
	v, err := wh.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "warehouse %s ready (schema version %d, secret fingerprint %s)\n", e.db, v, secret.Short(key.Fingerprint()))
	return nil
}

// heldData counts the loads and rollup deliveries a warehouse has ever
// taken: any of them means its people were pseudonymised under its secret.
func heldData(ctx context.Context, wh *warehouse.Warehouse) (int, error) {
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
