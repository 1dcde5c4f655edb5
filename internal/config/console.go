package config

import (
	"fmt"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Console holds the web console's bounds (enlist serve --http): how many
// bulletin, metrics and SQL queries run at once, and the SQL page's and
// API's limits. Each query runs on resources.threads within
// resources.memory_limit, so queries × memory is what the console may
// take of the server.
type Console struct {
	// Queries is how many bulletin, metrics or SQL queries run at once; the
	// others wait their turn.
	Queries int `yaml:"queries"`
	// SQLTimeout bounds one query of the SQL page and API ("60s", "2m");
	// a request may ask for less, never more.
	SQLTimeout string `yaml:"sql_timeout"`
	// SQLMaxRows is the most rows an answer of the SQL page and API holds
	// (a longer result is cut there and marked truncated).
	SQLMaxRows int `yaml:"sql_max_rows"`
	// SQLDownloadRows bounds a CSV or XLSX download of a SQL result (a
	// longer result is refused with advice).
	SQLDownloadRows int `yaml:"sql_download_rows"`
	// UploadMaxSize bounds one upload of extracts (all its files
	// together), such as "200MB"; a larger body is refused before it is
	// stored.
	UploadMaxSize string `yaml:"upload_max_size"`
}

// UploadMaxBytes is UploadMaxSize in bytes (validated at load).
func (c Console) UploadMaxBytes() int64 {
	n, err := ParseSize(c.UploadMaxSize)
	if err != nil || n <= 0 {
		return 200_000_000
	}
	return n
}

// Bounds of the console's settings: past them a setting is more likely a
// slip of the keyboard than a wish (ten million rows do not fit a page).
const (
	maxConsoleQueries = 64
	maxSQLTimeout     = 24 * time.Hour
	maxSQLMaxRows     = 1_000_000
	maxSQLDownload    = 10_000_000
)

// SQLTimeoutDuration is console.sql_timeout as a duration (validated at
// load).
func (c Console) SQLTimeoutDuration() time.Duration {
	d, _ := time.ParseDuration(c.SQLTimeout)
	return d
}

// validate checks each setting; the error names its key, which parse turns
// into the file's line.
func (c Console) validate() error {
	if c.Queries < 1 || c.Queries > maxConsoleQueries {
		return &keyError{Key: "console.queries", Err: fmt.Errorf("console.queries = %d: give 1 to %d queries at once", c.Queries, maxConsoleQueries)}
	}
	d, err := time.ParseDuration(c.SQLTimeout)
	if err != nil || d <= 0 || d > maxSQLTimeout {
		return &keyError{Key: "console.sql_timeout", Err: fmt.Errorf("console.sql_timeout = %q: give a duration such as 60s or 5m, at most %s", c.SQLTimeout, maxSQLTimeout)}
	}
	if c.SQLMaxRows < 1 || c.SQLMaxRows > maxSQLMaxRows {
		return &keyError{Key: "console.sql_max_rows", Err: fmt.Errorf("console.sql_max_rows = %d: give 1 to %d rows", c.SQLMaxRows, maxSQLMaxRows)}
	}
	if c.SQLDownloadRows < 1 || c.SQLDownloadRows > maxSQLDownload {
		return &keyError{Key: "console.sql_download_rows", Err: fmt.Errorf("console.sql_download_rows = %d: give 1 to %d rows", c.SQLDownloadRows, maxSQLDownload)}
	}
	if n, err := ParseSize(c.UploadMaxSize); err != nil || n <= 0 {
		return &keyError{Key: "console.upload_max_size", Err: fmt.Errorf("console.upload_max_size = %q: give a size such as 200MB", c.UploadMaxSize)}
	}
	return nil
}

// keyError is a setting refused by its key (a dotted path such as
// console.queries), so that the message can give the line it is on.
type keyError struct {
	Key string
	Err error
}

func (e *keyError) Error() string { return e.Err.Error() }
func (e *keyError) Unwrap() error { return e.Err }

// lineOf is the line of the dotted key in the YAML document b, or 0 when
// the document does not set it (a default).
func lineOf(b []byte, key string) int {
	var doc yaml.Node
	if yaml.Unmarshal(b, &doc) != nil || len(doc.Content) == 0 {
		return 0
	}
	n := doc.Content[0]
	line := 0
	for _, part := range strings.Split(key, ".") {
		if n.Kind != yaml.MappingNode {
			return 0
		}
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == part {
				line, next = n.Content[i].Line, n.Content[i+1]
				break
			}
		}
		if next == nil {
			return 0
		}
		n = next
	}
	return line
}
