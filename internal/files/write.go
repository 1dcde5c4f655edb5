package files

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/google/renameio/v2"
)

// Write replaces path with what write puts out, so that a reader (an office
// opening the folder, a job reading a note, a process after a power cut)
// finds either the old file whole or the new one whole, never a part:
//
//   - the bytes go to a temporary file in path's folder (a rename within one
//     file system is atomic; the system's temporary folder may be another);
//   - the temporary file is synced before the rename, or a crash may leave a
//     renamed file with no data in it;
//   - the folder is synced after the rename, so the new name survives a
//     crash too.
//
// The file gets mode perm exactly, whatever the umask: a report meant for
// reading is 0644, an office's own data 0600 or 0640. On error nothing is
// left behind and an older file at path stays as it was.
func Write(path string, perm fs.FileMode, write func(io.Writer) error) error {
	dir := filepath.Dir(path)
	tmp, err := renameio.NewPendingFile(path, renameio.WithTempDir(dir), renameio.WithStaticPermissions(perm))
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer tmp.Cleanup() //nolint:errcheck // a no-op once replaced; else removing a temporary file
	if err := write(tmp); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.CloseAtomicallyReplace(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := SyncDir(dir); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// WriteFile is Write for bytes already in memory.
func WriteFile(path string, data []byte, perm fs.FileMode) error {
	return Write(path, perm, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// CopyAtomic copies src to dst as Write writes: dst appears whole or not at
// all, synced, with mode perm.
func CopyAtomic(src, dst string, perm fs.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("copy %s: %w", src, err)
	}
	defer in.Close()
	return Write(dst, perm, func(w io.Writer) error {
		_, err := io.Copy(w, in)
		return err
	})
}

// Symlink points the symbolic link path at target, replacing what path was
// by a rename (readers resolve either the old target or the new one), and
// syncs the folder so the switch survives a crash.
func Symlink(target, path string) error {
	if err := renameio.Symlink(target, path); err != nil {
		return fmt.Errorf("link %s: %w", path, err)
	}
	if err := SyncDir(filepath.Dir(path)); err != nil {
		return fmt.Errorf("link %s: %w", path, err)
	}
	return nil
}

// SyncDir flushes dir's entries (names made, renamed or removed) to disk.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	return errors.Join(d.Sync(), d.Close())
}

// SyncTree flushes every file and folder under root to disk: for a tree
// another program wrote (DuckDB's partitioned COPY) that is about to be
// renamed into place whole, so the rename cannot outlive the data after a
// crash.
func SyncTree(root string) error {
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && !d.Type().IsRegular() {
			return nil
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		return errors.Join(f.Sync(), f.Close())
	})
}
