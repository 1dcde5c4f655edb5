package read

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"

	"enlist/internal/regions"
)

// A GB18030 file with UTF-8 lines further down (two exports pasted into
// one file) is refused at the first UTF-8 line; decoded as GB18030 those
// lines would have become nonsense without a single undecodable byte.
func TestUTF8LinesInGB18030File(t *testing.T) {
	gbPart := gb(t, "姓名,学历,毕业院校\r\n"+strings.Repeat("张三,本科,郑州大学\r\n", 3))
	for _, tc := range []struct {
		name string
		data []byte
		line int
	}{
		// Runs of an even number of characters (6, 12 bytes) decode as
		// GB18030 without one undecodable byte: only the spotter sees them.
		{"after GB18030 lines", append(append([]byte{}, gbPart...), "李四,大专,郑州大学\r\n"...), 5},
		{"last line without a break", append(append([]byte{}, gbPart...), "王五,硕士,河南大学"...), 5},
		{"lone CR line ends", append(gb(t, "姓名,学历\r张三,本科\r"), "李四,研究,郑州\r"...), 3},
		{"forced encoding", append(append([]byte{}, gbPart...), "李四,大专,郑州大学\n"...), 5},
		// Odd runs meet an undecodable byte: the message still says why.
		{"odd runs", append(append([]byte{}, gbPart...), "李四,研究生,河南工业大学\r\n"...), 5},
		{"after the first block", append(gb(t, "姓名,学历,毕业院校\r\n"+strings.Repeat("张三,本科,郑州大学\r\n", 60000)),
			"李四,大专,郑州大学\r\n"...), 60002},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opt := Options{}
			if tc.name == "forced encoding" {
				opt.Encoding = "gbk"
			}
			res := readAll(t, writeFile(t, "mixed.csv", tc.data), opt)
			err := res.openErr
			if err == nil {
				err = res.err
			}
			checkErr(t, err, ErrEncoding, "mixed.csv", "line "+itoa(tc.line), "two encodings")
		})
	}
}

// Real GB18030 text never looks like UTF-8 Chinese to the spotter: every
// region name of the built-in division table, and random runs of the
// commonest characters, one line each.
func TestGB18030TextIsNotMistakenForUTF8(t *testing.T) {
	tab, err := regions.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("代码,名称\n")
	for _, r := range tab.All() {
		b.WriteString(r.Code + "," + r.Name + "\n")
	}
	// Random text from the GB2312 level-1 block (the 3,755 commonest
	// characters), 2 to 40 characters a line.
	rng := rand.New(rand.NewPCG(1, 2))
	var common []rune
	for hi := 0xB0; hi <= 0xD7; hi++ {
		for lo := 0xA1; lo <= 0xFE; lo++ {
			if r, _ := utf8.DecodeRune(decodeGB(t, []byte{byte(hi), byte(lo)})); r != utf8.RuneError {
				common = append(common, r)
			}
		}
	}
	for i := 0; i < 50000; i++ {
		b.WriteString("1,")
		for k := 2 + rng.IntN(39); k > 0; k-- {
			b.WriteRune(common[rng.IntN(len(common))])
		}
		b.WriteString("\n")
	}
	res := readAll(t, writeFile(t, "gb.csv", gb(t, b.String())), Options{})
	if res.openErr != nil || res.err != nil {
		t.Fatalf("%v %v", res.openErr, res.err)
	}
	if res.encoding != EncodingGB18030 || len(res.rows) != tab.Len()+50001 {
		t.Fatalf("%s, %d rows", res.encoding, len(res.rows))
	}
}

func decodeGB(t *testing.T, b []byte) []byte {
	t.Helper()
	out, err := decodeGB18030Sample(b)
	if err != nil {
		return []byte{0xff}
	}
	return out
}
