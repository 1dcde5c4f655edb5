package main

import (
	"context"
	"enlist/internal/site"
	"fmt"
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
// warehouse up to date (site.Init), and says what it did.
func initWarehouse(ctx context.Context, e *env) error {
	done, err := e.site().Init(ctx)
	printInit(e, done)
	return err
}

// printInit says what site.Init did.
func printInit(e *env, done site.Initialised) {
	if done.SecretCreated {
		fmt.Fprintf(e.stdout, "created secret %s (mode 0600); keep it outside the warehouse and back it up: without it new loads cannot be matched to earlier ones\n", done.SecretPath)
	}
	if done.Recorded {
		fmt.Fprintf(e.stdout, "recorded the fingerprint %s of the secret in use in %s, which had none: from now on every load and rollup refuses another secret. "+
			"If %d earlier loads were made with another secret, restore that secret instead and run init again\n",
			done.Fingerprint, e.db, done.Held)
	}
	if done.SchemaVersion != 0 {
		fmt.Fprintf(e.stdout, "warehouse %s ready (schema version %d, secret fingerprint %s)\n", e.db, done.SchemaVersion, done.Fingerprint)
	}
}
