package mapping

import "testing"

func TestRowKind(t *testing.T) {
	v, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		cells []string
		want  RowKind
	}{
		{[]string{"410102200503091234", "张三"}, DataRow},
		{[]string{"", "  ", "\u3000"}, BlankRow},
		{[]string{"合计", "7"}, TotalRow},
		// Offices space out short labels; the words are compared without spaces.
		{[]string{"合 计", "7"}, TotalRow},
		{[]string{"合\u3000计", "7"}, TotalRow},
		{[]string{" ", "", "", "小计", "3"}, TotalRow},
		{[]string{"郑州", "中原区", "x", "合计"}, DataRow}, // the fourth non-empty cell: a value, not a label
		{[]string{"TOTAL", "7"}, TotalRow},
		{[]string{"填表人：王五", "审核人：赵六"}, FooterRow},
		{[]string{"", "注：年龄按周岁计算"}, FooterRow},
		{[]string{"注意事项"}, DataRow},
	} {
		if got := v.RowKind(tt.cells); got != tt.want {
			t.Errorf("RowKind(%q) = %d, want %d", tt.cells, got, tt.want)
		}
	}
}

// The words are data: a word added to rows.csv is known without a change
// of code.
func TestRowWordsAreData(t *testing.T) {
	w, err := parseRowWords("kind,word\ntotal,共计\nfooter,经办人\n")
	if err != nil {
		t.Fatal(err)
	}
	v := &Vocabulary{rows: w}
	if got := v.RowKind([]string{"共 计", "9"}); got != TotalRow {
		t.Errorf("共 计 = %d, want TotalRow", got)
	}
	if got := v.RowKind([]string{"经办人：李四"}); got != FooterRow {
		t.Errorf("经办人 = %d, want FooterRow", got)
	}
	if got := v.RowKind([]string{"合计", "9"}); got != DataRow {
		t.Errorf("合计 without it in the table = %d, want DataRow", got)
	}
	if _, err := parseRowWords("kind,word\nsubtotal,小计\n"); err == nil {
		t.Error("an unknown kind of row word was accepted")
	}
}
