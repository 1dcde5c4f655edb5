package testkit

import (
	"slices"
	"testing"
)

// The bytes around the false finding of 2026-12-02, from the approvals
// Parquet export: a zstd frame whose literals spell the branches 武警部队,
// 联勤保障(部队), 火箭军 and 陆军/海军/空军 spliced as "陆海空军".
const zstdFrame = "(\xb5/\xfd QM\x02\x00\xd4\x03\f\x00\x00\x00武警部队\x12\x00\x00\x00联勤保障\t\x00\x00\x00火箭军\x06\x00\x00\x00陆海空军\x03\x00 \x0f-\x99"

func TestFinderWindowsAndWholeRuns(t *testing.T) {
	f := Finder{People{
		IDs:   map[string]bool{"41010219990101123X": true},
		Names: map[string]bool{"陆海": true, "王海": true, "张三丰": true},
	}}
	cases := []struct {
		text        string
		find, whole []string
	}{
		// Compressed text: the window search sees a name the splice made up,
		// the whole-run search does not.
		{zstdFrame, []string{"陆海"}, nil},
		// A name stored plainly between length bytes is found both ways.
		{"\x06\x00\x00\x00王海\x03\x00", []string{"王海"}, []string{"王海"}},
		{"name=张三丰", []string{"张三丰"}, []string{"张三丰"}},
		// Inside a longer run, only windows see it (plain text, logs, pages).
		{"报名人王海已审核", []string{"王海"}, nil},
		// Identity numbers are found the same way in both.
		{"x41010219990101123xy", []string{"41010219990101123X"}, []string{"41010219990101123X"}},
		{"４１０１０２１９９９０１０１１２３Ｘ", []string{"41010219990101123X"}, []string{"41010219990101123X"}},
	}
	for _, c := range cases {
		if got := f.Find([]byte(c.text)); !slices.Equal(got, c.find) {
			t.Errorf("Find(%q) = %q, want %q", c.text, got, c.find)
		}
		if got := f.FindWhole([]byte(c.text)); !slices.Equal(got, c.whole) {
			t.Errorf("FindWhole(%q) = %q, want %q", c.text, got, c.whole)
		}
	}
}
