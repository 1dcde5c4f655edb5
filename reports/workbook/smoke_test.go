package workbook

import (
	"context"
	"os"
	"testing"

	"enlist/reports/bulletin"
	"enlist/reports/internal/fixture"
)

func TestSmokeWrite(t *testing.T) {
	out := os.Getenv("SMOKE_OUT")
	if out == "" {
		t.Skip()
	}
	wh := fixture.Small(t)
	b, err := bulletin.Gather(context.Background(), wh, bulletin.Options{Scope: "4101", AsOf: fixture.AsOf})
	if err != nil {
		t.Fatal(err)
	}
	f, err := Weekly(b)
	if err != nil {
		t.Fatal(err)
	}
	if err := Save(f, out+"/weekly.xlsx"); err != nil {
		t.Fatal(err)
	}
	q, err := Quality(b)
	if err != nil {
		t.Fatal(err)
	}
	if err := Save(q, out+"/quality.xlsx"); err != nil {
		t.Fatal(err)
	}
}
