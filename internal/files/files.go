// Package files holds the file steps several stages share, so that each is
// written once: copying a file, writing one atomically and durably, and
// holding a lock file. Writing and locking go through well-kept libraries
// (github.com/google/renameio/v2, github.com/gofrs/flock) rather than
// hand-written system calls, so every writer gets the same durability and
// every lock the same behaviour.
package files

import (
	"errors"
	"io"
	"os"
)

// Copy copies src to dst, creating dst with mode 0600 (the copies made are
// of warehouses and delivered extracts, which are the office's alone) or
// truncating it when it exists.
func Copy(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, in)
	return errors.Join(err, out.Close())
}
