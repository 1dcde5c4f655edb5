package web

import (
	"bytes"
	"embed"
	"net/http"
	"time"

	"enlist/reports/assets"
	"enlist/reports/page"
)

//go:embed static/*
var staticDir embed.FS

// staticFiles serves what the pages load: the console's style sheet and
// script, the bulletin's style sheet and chart script (reports/page), and
// the ECharts bundle (reports/assets), all from the binary, since the
// intranet has no other source and the policy allows none.
func staticFiles() http.Handler {
	files := map[string][]byte{"bulletin.css": page.Style(), "bulletin.js": page.InitScript()}
	for _, name := range []string{"console.css", "console.js", "sql.js", "upload.js"} {
		b, err := staticDir.ReadFile("static/" + name)
		if err == nil {
			files[name] = b
		}
	}
	bundle, bundleErr := assets.ECharts()
	if bundleErr == nil {
		files["echarts.min.js"] = bundle
	}
	start := time.Now()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, ok := files[r.URL.Path]
		if !ok {
			if r.URL.Path == "echarts.min.js" {
				http.Error(w, bundleErr.Error(), http.StatusNotFound)
				return
			}
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=3600")
		http.ServeContent(w, r, r.URL.Path, start, bytes.NewReader(b))
	})
}
