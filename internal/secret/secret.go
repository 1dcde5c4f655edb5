// Package secret holds the key that turns identity numbers into pseudonyms.
// The key lives outside the warehouse (SPEC §6): in ENLIST_SECRET or in a
// file only its owner can read. Without it the warehouse cannot be joined
// back to people; with it, the same person gets the same pseudonym in every
// county's warehouse, which is what provincial rollups rely on.
package secret

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io/fs"
	"os"
	"strings"
)

// EnvVar names the environment variable that may carry the key.
const EnvVar = "ENLIST_SECRET"

// ErrNoSecret means neither the environment nor the file gave a key.
var ErrNoSecret = errors.New("no pseudonymisation secret")

// ErrExposed means the secret file can be read by other users.
var ErrExposed = errors.New("secret file is readable by other users")

// minLen keeps a typed-in key from being guessable by brute force.
const minLen = 16

// Key is the pseudonymisation secret.
type Key struct{ b []byte }

// Load takes the key from ENLIST_SECRET when set, else from path.
func Load(path string) (Key, error) {
	if v := strings.TrimSpace(os.Getenv(EnvVar)); v != "" {
		if len(v) < minLen {
			return Key{}, fmt.Errorf("%s is shorter than %d characters", EnvVar, minLen)
		}
		return Key{b: []byte(v)}, nil
	}
	if path == "" {
		return Key{}, fmt.Errorf("%w: set %s or give --secret-file (enlist init creates one)", ErrNoSecret, EnvVar)
	}
	st, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Key{}, fmt.Errorf("%w: %s does not exist; run enlist init to create it or set %s", ErrNoSecret, path, EnvVar)
	}
	if err != nil {
		return Key{}, fmt.Errorf("secret file %s: %w", path, err)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return Key{}, fmt.Errorf("%w: %s has mode %v; run chmod 600 %s", ErrExposed, path, st.Mode().Perm(), path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return Key{}, fmt.Errorf("read secret file %s: %w", path, err)
	}
	v := strings.TrimSpace(string(b))
	if len(v) < minLen {
		return Key{}, fmt.Errorf("secret file %s holds fewer than %d characters", path, minLen)
	}
	return Key{b: []byte(v)}, nil
}

// Create writes a new random key to path with mode 0600 unless the file
// exists. It reports whether it created one.
func Create(path string) (bool, error) {
	buf := make([]byte, 32)
	if _, err := rand.Read(buf); err != nil {
		return false, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("create secret file %s: %w", path, err)
	}
	_, err = f.WriteString(hex.EncodeToString(buf) + "\n")
	return true, errors.Join(err, f.Close())
}

// fingerprintText is what the fingerprint is a keyed hash of. It is fixed
// for all time: changing it would make every stored fingerprint differ.
const fingerprintText = "enlist secret fingerprint v1"

// Fingerprint identifies the key without revealing it: HMAC-SHA256 of a
// fixed text under the key, in hex. A warehouse keeps it (SPEC §4) so a
// load under another key is refused instead of giving everyone new
// pseudonyms; the key cannot be derived from it.
func (k Key) Fingerprint() string {
	mac := hmac.New(sha256.New, k.b)
	mac.Write([]byte(fingerprintText))
	return hex.EncodeToString(mac.Sum(nil))
}

// ErrMismatch means the key in use is not the one the warehouse was made with.
var ErrMismatch = errors.New("the pseudonymisation secret is not the one this warehouse was made with")

// Short is the first characters of a fingerprint, enough for a person to
// compare two of them in a message.
func Short(fingerprint string) string {
	if len(fingerprint) > 12 {
		return fingerprint[:12]
	}
	return fingerprint
}

// Pseudonymiser computes pseudonyms; it is not safe for concurrent use (it
// reuses one HMAC state), so each worker makes its own.
type Pseudonymiser struct {
	mac hash.Hash
	sum []byte
}

// NewPseudonymiser returns a pseudonymiser under k.
func (k Key) NewPseudonymiser() *Pseudonymiser {
	return &Pseudonymiser{mac: hmac.New(sha256.New, k.b), sum: make([]byte, 0, sha256.Size)}
}

// Of returns the first 16 bytes of HMAC-SHA256(key, normalised identity
// number); 128 bits keep collisions out of reach at national scale and store
// as a DuckDB UUID.
func (p *Pseudonymiser) Of(normalisedID string) [16]byte {
	p.mac.Reset()
	p.mac.Write([]byte(normalisedID))
	p.sum = p.mac.Sum(p.sum[:0])
	var out [16]byte
	copy(out[:], p.sum)
	return out
}
