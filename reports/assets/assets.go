// Package assets holds what the HTML bulletin inlines so it renders with no
// network: the ECharts bundle, fetched from the npm registry at build time
// (go generate ./reports/assets, or make assets), checked against pinned
// checksums, git-ignored and embedded here.
package assets

//go:generate go run ./fetch

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
)

// The pinned bundle. ECharts 5.4.3 is the version go-echarts v2.6.7 targets.
const (
	EChartsVersion = "5.4.3"
	EChartsFile    = "echarts.min.js"
	// EChartsSHA256 is the SHA-256 of dist/echarts.min.js in the npm tarball
	// echarts-5.4.3.tgz (whose own SHA-512 the fetcher checks first).
	EChartsSHA256 = "1156429a16a38cb8604dcc6518c19406d4226142d908f8edd2e3531443c54d19"
)

// The pattern matches the package's own files too, so the package builds
// before the bundle has been fetched; the report then says what to run.
//
//go:embed *
var files embed.FS

// ErrNoBundle means the binary was built without the ECharts bundle.
var ErrNoBundle = errors.New("the ECharts bundle is not built in: run `make assets` (go generate ./reports/assets) and rebuild")

// ECharts returns the embedded ECharts bundle after checking its checksum.
func ECharts() ([]byte, error) {
	b, err := files.ReadFile(EChartsFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNoBundle
	}
	if err != nil {
		return nil, fmt.Errorf("read embedded %s: %w", EChartsFile, err)
	}
	sum := sha256.Sum256(b)
	if got := hex.EncodeToString(sum[:]); got != EChartsSHA256 {
		return nil, fmt.Errorf("embedded %s has SHA-256 %s, want %s: run `make assets` and rebuild", EChartsFile, got, EChartsSHA256)
	}
	return b, nil
}
