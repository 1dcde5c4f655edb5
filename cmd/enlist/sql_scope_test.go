package main

import (
	"strings"
	"testing"
)

// TestSQLScope: enlist sql --scope reads what an analyst bound to that
// region reads. The warehouse holds one file with quotas for two counties
// (410102: 120, 410103: 80), so its scope is their city, 4101.
func TestSQLScope(t *testing.T) {
	_, db := sqlWarehouse(t)
	cases := []struct {
		scope, query, want string
	}{
		// A county sees its own quota row only, however it asks.
		{"410102", "SELECT region_code, quota FROM quotas", "region_code,quota\n410102,120\n"},
		{"410103", "SELECT sum(quota) AS total FROM quotas", "total\n80\n"},
		{"410103", "SELECT count(*) AS n FROM regions WHERE code IN ('410102', '4101', '41')", "n\n2\n"},
		// The city-wide file appears as the county's part of it.
		{"410103", "SELECT scope_region, rows_read, rows_accepted, rows_rejected FROM load_ledger",
			"scope_region,rows_read,rows_accepted,rows_rejected\n410103,1,1,0\n"},
		// The city and the province see the whole warehouse, as enlist sql does.
		{"4101", "SELECT region_code, quota FROM quotas ORDER BY 1", "region_code,quota\n410102,120\n410103,80\n"},
		{"41", "SELECT region_code, quota FROM quotas ORDER BY 1", "region_code,quota\n410102,120\n410103,80\n"},
		// Another county sees nothing.
		{"410104", "SELECT count(*) AS n FROM quotas", "n\n0\n"},
	}
	for _, c := range cases {
		code, out, errs := enlist(t, "--db", db, "sql", "--scope", c.scope, "--format", "csv", c.query)
		if code != exitOK || out != c.want {
			t.Errorf("--scope %s %q: exit %d, stderr %q\n got %q\nwant %q", c.scope, c.query, code, errs, out, c.want)
		}
	}
	code, out, errs := enlist(t, "--db", db, "sql", "--scope", "41010", "SELECT 1")
	if code != exitUsage || out != "" || !strings.Contains(errs, "must have 2 (省), 4 (市), 6 (区县), 9 (乡镇) or 12 (村居) digits") {
		t.Errorf("--scope 41010: %d %q %q", code, out, errs)
	}
}
