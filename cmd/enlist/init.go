package main

import (
	"context"
	"fmt"
	"path/filepath"

	"enlist/internal/secret"
)

func runInit(ctx context.Context, e *env, args []string) error {
	fs := e.newFlags("init", "", "Create the warehouse (schema, models, built-in regions) and, when none exists,\na pseudonymisation secret file readable only by its owner (mode 0600).",
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

func initWarehouse(ctx context.Context, e *env) error {
	if dir := filepath.Dir(e.db); !isDir(dir) {
		return fmt.Errorf("folder %s does not exist: create it first (mkdir -p %s) or give --db a path in an existing folder", dir, dir)
	}
	path := e.secretPath()
	created, err := secret.Create(path)
	if err != nil {
		return err
	}
	if created {
		fmt.Fprintf(e.stdout, "created secret %s (mode 0600); keep it outside the warehouse and back it up: without it new loads cannot be matched to earlier ones\n", path)
	}
	if _, err := e.key(); err != nil {
		return err
	}
	wh, err := e.open(ctx)
	if err != nil {
		return err
	}
	v, err := wh.SchemaVersion(ctx)
	if err != nil {
		wh.Close()
		return err
	}
	fmt.Fprintf(e.stdout, "warehouse %s ready (schema version %d)\n", e.db, v)
	if err := wh.Close(); err != nil {
		return err
	}
	return e.publish(ctx)
}
