package export

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"enlist/internal/idnum"
	"enlist/internal/secret"
	"enlist/internal/warehouse"
	"enlist/pipelines/load"
)

// TestChosenKindsAndNote: --kind writes only those kinds, leaves the
// others' earlier folders alone, and the note says what was written.
func TestChosenKindsAndNote(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	t.Setenv(secret.EnvVar, "export-secret-0123456789abcdef")
	key, err := secret.Load("")
	if err != nil {
		t.Fatal(err)
	}
	wh, err := warehouse.Open(ctx, filepath.Join(dir, "w.duckdb"), warehouse.Options{Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	born := time.Date(2005, 3, 9, 0, 0, 0, 0, time.UTC)
	text := "身份证号,区划代码,登记日期,年度,季度\n" +
		idnum.Make("410102", born, 11) + ",410102001,2025-01-10,2025,上半年\n" +
		idnum.Make("320102", born, 13) + ",320102001,2025-01-10,2025,上半年\n" +
		idnum.Make("320102", born, 15) + ",320102001,2024-08-10,2024,下半年\n"
	csv := filepath.Join(dir, "in", "reg.csv")
	if err := os.MkdirAll(filepath.Dir(csv), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(csv, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := load.NewLoader(wh, key, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.LoadFile(ctx, csv, load.Options{}); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	if _, err := Write(ctx, wh.DB(), out, Options{}); err != nil {
		t.Fatal(err)
	}
	note, err := Write(ctx, wh.DB(), out, Options{Kinds: []string{"registrations"}, Warehouse: "w.duckdb"})
	if err != nil {
		t.Fatal(err)
	}
	if len(note.Kinds) != 1 || note.Kinds[0].Rows != 3 || note.Kinds[0].Files != 3 {
		t.Fatalf("note %+v", note.Kinds)
	}
	want := []string{"year=2024/province=32", "year=2025/province=32", "year=2025/province=41"}
	if got := note.Kinds[0].Partitions; len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Errorf("partitions %v, want %v", got, want)
	}
	for _, c := range note.Kinds[0].Columns {
		if c == "load_id" || c == "source_row" || c == "year" || c == "province" {
			t.Errorf("column %s in the files", c)
		}
	}
	var back Note
	b, err := os.ReadFile(filepath.Join(out, NoteFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &back); err != nil || back.Warehouse != "w.duckdb" || len(back.Kinds) != 1 {
		t.Errorf("note on disk: %v %+v", err, back)
	}
	// The first export's other kinds are still there.
	if _, err := os.Stat(filepath.Join(out, "kind=quotas")); err != nil {
		t.Error(err)
	}
	if _, err := Write(ctx, wh.DB(), out, Options{Kinds: []string{"pizza"}}); err == nil {
		t.Error("unknown kind accepted")
	}
}

// Every data kind the loader knows is exported: the kinds come from
// pipelines/mapping's one list, and each needs its query here.
func TestEveryDataKindHasAQuery(t *testing.T) {
	want := []string{"quotas", "registrations", "exams", "approvals", "resettlement", "schools"}
	if got := Kinds(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("Kinds() = %v, want %v", got, want)
	}
	for _, k := range Kinds() {
		if kindQueries[k] == "" {
			t.Errorf("kind %s has no export query", k)
		}
	}
}
