package validate

import (
	"strings"
	"testing"
	"time"
)

func TestParseDate(t *testing.T) {
	d := func(y, m, dd int) time.Time { return time.Date(y, time.Month(m), dd, 0, 0, 0, 0, time.UTC) }
	tests := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"2025-03-05", d(2025, 3, 5), true},
		{"2025-3-5", d(2025, 3, 5), true},
		{"2025/3/5", d(2025, 3, 5), true},
		{"2025/03/05", d(2025, 3, 5), true},
		{"2025.3.5", d(2025, 3, 5), true},
		{"2025年3月5日", d(2025, 3, 5), true},
		{"2025年03月05日", d(2025, 3, 5), true},
		{"20250305", d(2025, 3, 5), true},
		{" 2025-03-05 ", d(2025, 3, 5), true},
		{"2025-03-05 00:00:00", d(2025, 3, 5), true},
		{"2025-03-05T08:30:00Z", d(2025, 3, 5), true},
		{"45721", d(2025, 3, 5), true}, // Excel serial of 2025-03-05
		{"45721.0", d(2025, 3, 5), true},
		{"45721.5", d(2025, 3, 5), true}, // noon of that day
		{"2024-02-29", d(2024, 2, 29), true},
		{"2025-02-29", time.Time{}, false},
		{"2025-13-45", time.Time{}, false},
		{"20251345", time.Time{}, false},
		{"2025年3月", time.Time{}, false},
		{"25-3-5", time.Time{}, false},
		{"三月五日", time.Time{}, false},
		{"", time.Time{}, false},
		{"0", time.Time{}, false},
		{"2025-03-05-01", time.Time{}, false},
		{"１２３", time.Time{}, false},
	}
	for _, tt := range tests {
		got, err := ParseDate(tt.in)
		if (err == nil) != tt.ok {
			t.Errorf("ParseDate(%q) error = %v, want ok=%v", tt.in, err, tt.ok)
			continue
		}
		if tt.ok && !got.Equal(tt.want) {
			t.Errorf("ParseDate(%q) = %s, want %s", tt.in, got.Format(time.DateOnly), tt.want.Format(time.DateOnly))
		}
	}
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2025-03-05", "2025年3月5日", "20250305", "45721.0", "2025/3/5 12:00", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseDate(s)
		if err == nil && (got.Year() < 1899 || got.Year() > 9999) {
			t.Fatalf("ParseDate(%q) = %v: outside any calendar an office uses", s, got)
		}
	})
}

func TestTrim(t *testing.T) {
	for _, s := range []string{"", "a", " a ", "合格", " 合格", "合格　", "　合格", "\t2025\n", "a\u0085", "x\u00a0",
		"\u2003x\u2003", "x\u205f", "\u1680x", "x\u202f", "x\u2029"} {
		if got, want := trim(s), strings.TrimSpace(s); got != want {
			t.Errorf("trim(%q) = %q, want %q", s, got, want)
		}
	}
}
