package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha512"
	"encoding/base64"
	"strings"
	"testing"

	"enlist/reports/assets"
)

func TestPinsAgree(t *testing.T) {
	if targetSHA256 != assets.EChartsSHA256 {
		t.Fatalf("fetch pins %s, the assets package %s", targetSHA256, assets.EChartsSHA256)
	}
}

// tarball builds a tarball holding one file, as npm pack would.
func tarball(t *testing.T, name, body string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body))}); err != nil {
		t.Fatal(err)
	}
	tw.Write([]byte(body))
	tw.Close()
	zw.Close()
	return buf.Bytes()
}

func integrityOf(b []byte) string {
	s := sha512.Sum512(b)
	return "sha512-" + base64.StdEncoding.EncodeToString(s[:])
}

func TestVerified(t *testing.T) {
	good := tarball(t, member, "echarts")
	js, err := verified(good, integrityOf(good), sha256Hex([]byte("echarts")))
	if err != nil || string(js) != "echarts" {
		t.Fatalf("a matching tarball: %q, %v", js, err)
	}
	// Another tarball than the pinned one is refused before it is opened.
	if _, err := verified(good, integrity, targetSHA256); err == nil || !strings.Contains(err.Error(), "integrity") {
		t.Errorf("unpinned tarball: %v", err)
	}
	// A tarball whose bundle differs from the pinned bundle is refused.
	if _, err := verified(good, integrityOf(good), targetSHA256); err == nil || !strings.Contains(err.Error(), "SHA-256") {
		t.Errorf("other bundle: %v", err)
	}
	other := tarball(t, "package/README.md", "x")
	if _, err := verified(other, integrityOf(other), targetSHA256); err == nil || !strings.Contains(err.Error(), "not in the tarball") {
		t.Errorf("no bundle: %v", err)
	}
}
