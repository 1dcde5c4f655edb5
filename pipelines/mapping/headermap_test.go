package mapping

import (
	"strings"
	"testing"
)

func TestAddHeaderMap(t *testing.T) {
	m := map[string]string{}
	for _, spec := range []string{"户籍地编码=region_code", " 批准时间 = approved_on ", "a=b=region_code", "户籍地编码=region_code"} {
		if err := AddHeaderMap(m, spec); err != nil {
			t.Fatalf("%q: %v", spec, err)
		}
	}
	if m["户籍地编码"] != "region_code" || m["批准时间"] != "approved_on" || m["a=b"] != "region_code" || len(m) != 3 {
		t.Errorf("map %v", m)
	}
	for _, c := range []struct{ spec, want string }{
		{"户籍地编码", "write HEADER=column"},
		{"=region_code", "write HEADER=column"},
		{"x=", "write HEADER=column"},
		{"x=no_such_column", `"no_such_column" is not a column; columns are `},
		{"户籍地编码=approved_on", `header "户籍地编码" is already mapped to region_code`},
	} {
		if err := AddHeaderMap(m, c.spec); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v; want %q", c.spec, err, c.want)
		}
	}
}
