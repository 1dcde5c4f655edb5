// Package sql carries the warehouse schema migrations (schema/NNNN_*.sql,
// applied once each, in order) and the metric and audit models
// (models/*.sql, one view per file, re-created on every open so the binary
// and the views it reports from never disagree).
package sql

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
)

//go:embed schema/*.sql models/*.sql
var files embed.FS

// Migration is one schema step.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// Migrations returns the schema steps in version order.
func Migrations() ([]Migration, error) {
	entries, err := fs.ReadDir(files, "schema")
	if err != nil {
		return nil, err
	}
	var out []Migration
	for _, e := range entries {
		v, err := strconv.Atoi(strings.SplitN(e.Name(), "_", 2)[0])
		if err != nil {
			return nil, fmt.Errorf("schema file %s: name must start with a version number", e.Name())
		}
		b, err := files.ReadFile("schema/" + e.Name())
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Version: v, Name: e.Name(), SQL: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	for i := 1; i < len(out); i++ {
		if out[i].Version == out[i-1].Version {
			return nil, fmt.Errorf("schema files %s and %s share version %d", out[i-1].Name, out[i].Name, out[i].Version)
		}
	}
	return out, nil
}

// Model is one view definition.
type Model struct {
	Name string // file name without .sql
	SQL  string
}

// Models returns the model files in name order; a model that reads another
// must sort after it (the files are numbered for that reason). The
// is_college macro, generated from Go (college.go), comes first, then the
// built-in universities (schools.go) and the peoples' list (ethnic.go).
func Models() ([]Model, error) {
	entries, err := fs.ReadDir(files, "models")
	if err != nil {
		return nil, err
	}
	builtinSchools, err := schoolsModel()
	if err != nil {
		return nil, err
	}
	ethnic, err := ethnicModel()
	if err != nil {
		return nil, err
	}
	out := []Model{collegeModel(), builtinSchools, ethnic}
	for _, e := range entries {
		b, err := files.ReadFile("models/" + e.Name())
		if err != nil {
			return nil, err
		}
		out = append(out, Model{Name: strings.TrimSuffix(e.Name(), ".sql"), SQL: string(b)})
	}
	return out, nil
}
