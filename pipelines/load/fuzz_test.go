package load

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"enlist/internal/secret"
	"enlist/internal/warehouse"
)

// FuzzLoadCSV sends arbitrary text through the whole load: read, header,
// kind, validation and the transaction. Whatever the bytes, the outcome is
// either a refused file (a *FileError naming it) that changed no table, or
// a loaded file whose ledger row balances: rows read = accepted + rejected,
// and the kind's table holds exactly the accepted rows under its load id.
// Seeds use identity numbers under the non-existent province prefix 99.
func FuzzLoadCSV(f *testing.F) {
	f.Add("身份证号,姓名,区划代码,登记日期,年度,季度\n990101200501011238,张三,410102001,2025-01-10,2025,上半年\n")
	f.Add("XX县2025年上半年征兵体检结果汇总表\n身份证号,检查日期,结论\n990101200501011238,2025/3/5,合格\n合计,,1\n填表人：某\n")
	f.Add("年度\t批次\t区划代码\t征集任务数\r\n2025\t上半年\t410102\t120\r\n2025\t上半年\t410102\t80\r")
	f.Add("身份证号,批准日期,退兵日期\n990101200501011238,2025-09-01,\"2025-\n10-01\"\n")
	f.Add("区划代码,区划名称\n410102999,\"新\"\"街道\"\n")
	dir := f.TempDir()
	f.Setenv(secret.EnvVar, "fuzz-secret-0123456789abcdef")
	key, err := secret.Load("")
	if err != nil {
		f.Fatal(err)
	}
	ctx := context.Background()
	wh, err := warehouse.Open(ctx, filepath.Join(dir, "w.duckdb"), warehouse.Options{Threads: 1})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { wh.Close() })
	l, err := NewLoader(wh, key, nil, nil)
	if err != nil {
		f.Fatal(err)
	}
	l.now = func() time.Time { return time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC) }
	counts := func(t *testing.T) string {
		var b strings.Builder
		for _, tbl := range []string{"load_ledger", "rejects", "row_flags", "quotas", "registrations", "exams", "approvals", "resettlement", "regions"} {
			var n int
			if err := wh.DB().QueryRow(`SELECT count(*) FROM ` + tbl).Scan(&n); err != nil {
				t.Fatal(err)
			}
			b.WriteString(tbl + ":" + strconv.Itoa(n) + " ")
		}
		return b.String()
	}
	f.Fuzz(func(t *testing.T, text string) {
		path := filepath.Join(dir, "fuzz.csv")
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		before := counts(t)
		res, err := l.LoadFile(ctx, path, Options{})
		if err != nil {
			var fe *FileError
			if !errors.As(err, &fe) || !strings.Contains(err.Error(), path) {
				t.Fatalf("error %T %q: want a *FileError naming the file", err, err)
			}
			if after := counts(t); after != before {
				t.Fatalf("refused file changed the warehouse:\n%s\n%s", before, after)
			}
			return
		}
		if res.Status == "already_loaded" {
			return
		}
		if res.Read != res.Accepted+res.Rejected {
			t.Fatalf("read %d != accepted %d + rejected %d", res.Read, res.Accepted, res.Rejected)
		}
		var read, accepted, rejected, stored int
		if err := wh.DB().QueryRow(`SELECT rows_read, rows_accepted, rows_rejected FROM load_ledger WHERE load_id = ?`, res.LoadID).
			Scan(&read, &accepted, &rejected); err != nil {
			t.Fatal(err)
		}
		if read != res.Read || accepted != res.Accepted || rejected != res.Rejected {
			t.Fatalf("ledger %d/%d/%d, result %d/%d/%d", read, accepted, rejected, res.Read, res.Accepted, res.Rejected)
		}
		q := `SELECT count(*) FROM ` + tables[res.Kind] + ` WHERE load_id = ?`
		arg := any(res.LoadID)
		if res.Kind == "regions" {
			q, arg = `SELECT count(*) FROM regions WHERE source = ?`, strconv.FormatInt(res.LoadID, 10)
		}
		if err := wh.DB().QueryRow(q, arg).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if stored != res.Accepted {
			t.Fatalf("%s holds %d rows of load %d, %d accepted", res.Kind, stored, res.LoadID, res.Accepted)
		}
	})
}
