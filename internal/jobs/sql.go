package jobs

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"time"

	"enlist/internal/analyst"
	"enlist/internal/scoped"
	"enlist/internal/site"
	"enlist/schedules"
)

// VarName is what a session variable's name may be.
var VarName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// SQLParams are what enlist sql takes for one query written to a file.
type SQLParams struct {
	Query   string            `yaml:"query"`
	File    string            `yaml:"file"`
	Out     string            `yaml:"out"`
	Format  string            `yaml:"format"`
	Timeout time.Duration     `yaml:"timeout"`
	Vars    map[string]string `yaml:"vars"`
}

// OpenSQL opens an analyst's sandboxed session on the site's published
// copy, with the session variables set; what names a variable in an error
// ("--var ", "vars "). from is the copy read; closeSession closes the
// session and the copy.
func OpenSQL(ctx context.Context, s *site.Site, vars []analyst.Var, what string) (sess *analyst.Session, from string, closeSession func(), err error) {
	wh, err := s.OpenReader(ctx, true)
	if err != nil {
		return nil, "", nil, err
	}
	sess, err = analyst.Open(ctx, wh.DB(), vars, what)
	if err != nil {
		return nil, "", nil, errors.Join(err, wh.Close())
	}
	return sess, wh.Path(), func() { sess.Close(); wh.Close() }, nil
}

// OpenScopedSQL is OpenSQL on scope's copy of the published warehouse
// (internal/scoped): what an analyst bound to that region reads in the web
// console, so an operator can check it from the command line. A scope
// covering the whole warehouse reads the published copy itself.
func OpenScopedSQL(ctx context.Context, s *site.Site, scope string, vars []analyst.Var, what string) (sess *analyst.Session, from string, closeSession func(), err error) {
	if err := scoped.CheckScope(scope); err != nil {
		return nil, "", nil, fmt.Errorf("scope: %w", err)
	}
	// Opening the reader brings the published copy up to date; it is closed
	// before the scoped copy is built, which reads the same version.
	wh, err := s.OpenReader(ctx, true)
	if err != nil {
		return nil, "", nil, err
	}
	published := wh.Path()
	if err := wh.Close(); err != nil {
		return nil, "", nil, fmt.Errorf("close %s: %w", published, err)
	}
	r, err := s.Resolved()
	if err != nil {
		return nil, "", nil, err
	}
	return scoped.OpenSession(ctx, published, scope, scoped.QueryOptions{Threads: r.Threads, MemoryLimit: r.MemoryLimit}, vars, what)
}

func sqlJob(s *site.Site, job schedules.Job) (schedules.Task, error) {
	var p SQLParams
	if err := job.DecodeParams(&p); err != nil {
		return nil, err
	}
	if (p.Query == "") == (p.File == "") {
		return nil, job.ParamError("query", "give the query, or file naming a .sql file (one of them)")
	}
	if p.Out == "" {
		return nil, job.ParamError("out", "give the file to write the result to (.csv, .json or .xlsx)")
	}
	names := make([]string, 0, len(p.Vars))
	for name := range p.Vars {
		if !VarName.MatchString(name) {
			return nil, job.ParamError("vars", "%q is not a variable name", name)
		}
		if !analyst.KnownVariable(name) {
			return nil, job.ParamError("vars", "unknown variable %q: the models read %s", name, analyst.VariableNames())
		}
		names = append(names, name)
	}
	sort.Strings(names)
	format := analyst.FormatFor(p.Format, p.Out)
	if !slices.Contains(analyst.Formats(), format) || p.Timeout < 0 {
		return nil, job.ParamError("format", "use table, csv, json or xlsx (default: from the out file's extension)")
	}
	return func(ctx context.Context, run schedules.Run) (schedules.Outcome, error) {
		text := p.Query
		if p.File != "" {
			b, err := os.ReadFile(s.Beside(p.File))
			if err != nil {
				return schedules.Outcome{}, fmt.Errorf("read query: %w", err)
			}
			text = string(b)
		}
		out := run.Dated(s.Beside(p.Out))
		vars := make([]analyst.Var, 0, len(names))
		for _, name := range names {
			vars = append(vars, analyst.Var{Name: name, Value: run.Dated(p.Vars[name])})
		}
		sess, _, closeSession, err := OpenSQL(ctx, s, vars, "vars ")
		if err != nil {
			return schedules.Outcome{}, err
		}
		defer closeSession()
		res, err := sess.RunWithin(ctx, text, p.Timeout)
		if err != nil {
			return schedules.Outcome{}, err
		}
		if res.Frame == nil {
			return schedules.Outcome{}, errors.New("the query set a variable and returned no rows")
		}
		if err := os.MkdirAll(filepath.Dir(out), 0o750); err != nil {
			return schedules.Outcome{}, fmt.Errorf("write result: %w", err)
		}
		if err := analyst.WriteResultFile(out, format, res.Frame, analyst.XLSXOptions{}); err != nil {
			return schedules.Outcome{}, err
		}
		msg := "wrote " + out
		if res.Notice != "" {
			msg += "; " + res.Notice
		}
		return schedules.Outcome{Message: msg, Counts: map[string]int64{"rows": int64(len(res.Frame.Rows))}}, nil
	}, nil
}
