// Command fetch puts the pinned ECharts bundle beside the assets package:
// `npm pack echarts@5.4.3` into a temporary folder, the tarball checked
// against the registry's SHA-512 integrity string pinned below, then
// package/dist/echarts.min.js extracted and checked against its pinned
// SHA-256. When the file is already there with the right checksum it does
// nothing, so `go generate` is cheap to repeat. Run by go generate in
// reports/assets.
package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
)

const (
	pkg = "echarts@5.4.3"
	// integrity is npm's dist.integrity of echarts 5.4.3 (`npm view
	// echarts@5.4.3 dist.integrity`): the SHA-512 of the tarball.
	integrity = "sha512-mYKxLxhzy6zyTi/FaEbJMOZU1ULGEQHaeIeuMR5L+JnJTpz+YR03mnnpBhbR4+UYJAgiXgpyTVLffPAjOTLkZA=="
	member    = "package/dist/echarts.min.js"
	target    = "echarts.min.js"
	// targetSHA256 must equal assets.EChartsSHA256.
	targetSHA256 = "1156429a16a38cb8604dcc6518c19406d4226142d908f8edd2e3531443c54d19"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintf(os.Stderr, "fetch %s: %v\n", pkg, err)
		os.Exit(1)
	}
}

func run() error {
	if b, err := os.ReadFile(target); err == nil && sha256Hex(b) == targetSHA256 {
		return nil
	}
	tmp, err := os.MkdirTemp("", "enlist-echarts-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	cmd := exec.Command("npm", "pack", pkg, "--silent", "--pack-destination", tmp)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("npm pack (is npm installed and the registry reachable?): %w", err)
	}
	tarball := filepath.Join(tmp, string(bytes.TrimSpace(lastLine(out))))
	tgz, err := os.ReadFile(tarball)
	if err != nil {
		return err
	}
	js, err := verified(tgz, integrity, targetSHA256)
	if err != nil {
		return err
	}
	// Written beside and renamed, so a failed run never leaves half a file.
	part := target + ".part"
	if err := os.WriteFile(part, js, 0o644); err != nil {
		return err
	}
	return os.Rename(part, target)
}

// verified checks the tarball against its npm integrity string, then the
// bundle inside it against its SHA-256, and returns the bundle.
func verified(tgz []byte, integrity, bundleSHA256 string) ([]byte, error) {
	sum := sha512.Sum512(tgz)
	if got := "sha512-" + base64.StdEncoding.EncodeToString(sum[:]); got != integrity {
		return nil, fmt.Errorf("tarball integrity %s, want %s: refusing it", got, integrity)
	}
	js, err := extract(tgz, member)
	if err != nil {
		return nil, err
	}
	if got := sha256Hex(js); got != bundleSHA256 {
		return nil, fmt.Errorf("%s has SHA-256 %s, want %s", member, got, bundleSHA256)
	}
	return js, nil
}

func extract(tgz []byte, name string) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(tgz))
	if err != nil {
		return nil, err
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s not in the tarball", name)
		}
		if err != nil {
			return nil, err
		}
		if h.Name == name {
			return io.ReadAll(tr)
		}
	}
}

func lastLine(b []byte) []byte {
	lines := bytes.Split(bytes.TrimSpace(b), []byte("\n"))
	return lines[len(lines)-1]
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
