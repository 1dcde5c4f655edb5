package idnum

import (
	"errors"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	// 11010519491231002 → weights sum 167, 167 mod 11 = 2 → 'X' (the standard's own example).
	tests := []struct {
		in      string
		want    string
		wantErr error
		male    bool
	}{
		{in: "11010519491231002X", want: "11010519491231002X", male: false},
		{in: "11010519491231002x", want: "11010519491231002X"},
		{in: " 11010519491231002X ", want: "11010519491231002X"},
		{in: "'11010519491231002X", want: "11010519491231002X"},
		{in: "１１０１０５１９４９１２３１００２X", want: "11010519491231002X"},
		{in: "110105194912310021", wantErr: ErrCheck},
		{in: "11010519491231002", wantErr: ErrLength},
		{in: "110105491231002", wantErr: ErrLength}, // the old 15-digit form
		{in: "1101051949123100AX", wantErr: ErrCharacter},
		{in: "11010519490231002X", wantErr: ErrCheck},
		{in: "", wantErr: ErrLength},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if tt.wantErr != nil {
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("Parse(%q) error = %v, want %v", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if got.Normalised != tt.want || got.County != "110105" || got.Male != tt.male {
			t.Errorf("Parse(%q) = %+v", tt.in, got)
		}
		if !got.Birth.Equal(time.Date(1949, 12, 31, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("Parse(%q) birth = %v", tt.in, got.Birth)
		}
	}
}

func TestParseBadBirthDate(t *testing.T) {
	// A correct check character over an impossible date (Feb 30th).
	first := "41010220050230001"
	c, _ := CheckChar(first)
	if _, err := Parse(first + string(c)); !errors.Is(err, ErrBirthDate) {
		t.Fatalf("err = %v, want ErrBirthDate", err)
	}
}

func TestMakeRoundTrip(t *testing.T) {
	birth := time.Date(2006, 3, 9, 0, 0, 0, 0, time.UTC)
	for seq := 0; seq < 200; seq++ {
		s := Make("410102", birth, seq)
		n, err := Parse(s)
		if err != nil {
			t.Fatalf("Make(%d) = %s: %v", seq, s, err)
		}
		if n.Male != (seq%2 == 1) || n.County != "410102" || !n.Birth.Equal(birth) {
			t.Fatalf("Make(%d) decoded as %+v", seq, n)
		}
	}
}

func TestMask(t *testing.T) {
	if got := Mask("11010519491231002X"); got != "110105********002X" {
		t.Errorf("Mask = %q", got)
	}
	if got := Mask("12345"); got != "*****" {
		t.Errorf("Mask short = %q", got)
	}
	if got := MaskName("张三丰"); got != "张**" {
		t.Errorf("MaskName = %q", got)
	}
}
