package warehouse

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"enlist/internal/secret"
)

// SecretFingerprint is the fingerprint of the secret the warehouse was made
// with; "" when none is recorded (a new warehouse, or one made before
// fingerprints were kept).
func (w *Warehouse) SecretFingerprint(ctx context.Context) (string, error) {
	return secretFingerprint(ctx, w.db)
}

type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func secretFingerprint(ctx context.Context, q queryer) (string, error) {
	var fp string
	err := q.QueryRowContext(ctx, `SELECT fingerprint FROM secret_fingerprint ORDER BY recorded_at LIMIT 1`).Scan(&fp)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read secret fingerprint: %w", err)
	}
	return fp, nil
}

// CheckSecret makes sure key is the warehouse's secret. A warehouse with no
// fingerprint yet records key's, and CheckSecret reports that it did (by
// names the command that recorded it, kept beside the fingerprint). A different key is refused
// with secret.ErrMismatch, saying the likely cause and what to do: every
// load under it would give people new pseudonyms, so files would silently
// stop matching the people already stored.
func (w *Warehouse) CheckSecret(ctx context.Context, key secret.Key, by string) (recorded bool, err error) {
	have, err := w.SecretFingerprint(ctx)
	if err != nil {
		return false, err
	}
	got := key.Fingerprint()
	if have == got {
		return false, nil
	}
	if have != "" {
		return false, &SecretMismatchError{Warehouse: w.path, Have: have, Got: got}
	}
	// Two processes recording at once would each insert; the writer lock
	// on the file makes this the only writer.
	if _, err := w.db.ExecContext(ctx, `INSERT INTO secret_fingerprint (fingerprint, recorded_at, recorded_by)
		SELECT ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM secret_fingerprint)`, got, time.Now().UTC(), by); err != nil {
		return false, fmt.Errorf("record secret fingerprint in %s: %w", w.path, err)
	}
	have, err = w.SecretFingerprint(ctx)
	if err != nil {
		return false, err
	}
	if have != got {
		return false, &SecretMismatchError{Warehouse: w.path, Have: have, Got: got}
	}
	return true, nil
}

// SecretMismatchError refuses a secret other than the warehouse's.
type SecretMismatchError struct {
	Warehouse string
	Have, Got string // fingerprints: the warehouse's, the secret given
}

func (e *SecretMismatchError) Error() string {
	return fmt.Sprintf("%v: %s was made with the secret of fingerprint %s, the secret given has fingerprint %s. "+
		"Most likely the secret file is the wrong one or was newly created (a lost secret file and a new enlist init, "+
		"another office's file, or ENLIST_SECRET set to something else). Restore the warehouse's own secret file from "+
		"backup (or set ENLIST_SECRET / --secret-file to it); nothing was changed. Loading under another secret would "+
		"give every person a new pseudonym, so new files would no longer match the people already stored",
		secret.ErrMismatch, e.Warehouse, secret.Short(e.Have), secret.Short(e.Got))
}

func (e *SecretMismatchError) Unwrap() error { return secret.ErrMismatch }
