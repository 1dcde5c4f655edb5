// Package schedules reads the service's job schedules (YAML files in a
// folder, one or more jobs each) and runs them on their cron specs, recording
// every attempt in the warehouse's job_runs table. What a job does is not
// decided here: the binary maps each job type to the function its CLI
// command runs, so a scheduled ingest and `enlist ingest` share one path.
package schedules

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // zones must resolve on servers without /usr/share/zoneinfo

	"github.com/robfig/cron/v3"
	"gopkg.in/yaml.v3"
)

// Job types: what a scheduled job does.
const (
	Ingest = "ingest" // load the extracts waiting in an inbox folder
	Report = "report" // the weekly bulletin for one or more scopes
	Rollup = "rollup" // consolidate cities' and counties' warehouses into the province's
	Export = "export" // curated tables as Parquet
	SQL    = "sql"    // run a query and write its result
)

// Types lists the job types a schedule may name.
func Types() []string { return []string{Ingest, Report, Rollup, Export, SQL} }

// DefaultZone is the zone a schedule's times are read in unless it names
// another: the offices keep Beijing time.
const DefaultZone = "Asia/Shanghai"

// DefaultBackoff is the first wait before a retry when a job asks for
// retries without saying how long to wait; each further wait doubles.
const DefaultBackoff = time.Minute

// maxRetries keeps a misconfigured job from retrying for days.
const maxRetries = 20

// Job is one scheduled job as its file describes it.
type Job struct {
	Name        string
	Description string
	Spec        string         // cron spec as written: 5 fields, or 6 with seconds first
	Zone        *time.Location // the spec is read in this zone
	Type        string         // one of Types()
	Retries     int            // further attempts after a failed one
	Backoff     time.Duration  // wait before the first retry; doubles for each next one
	CatchUp     bool           // on start, run once if a due time passed while the service was down
	Timeout     time.Duration  // 0 = none
	File        string         // schedule file the job came from
	Line        int            // line of the job in that file

	schedule cron.Schedule
	params   *yaml.Node // mapping, or nil when the job has no params
	paramPos map[string]int
}

// Error is a problem in a schedule file, at a line.
type Error struct {
	File   string
	Line   int
	Reason string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Reason)
	}
	return e.File + ": " + e.Reason
}

// Next is the first time after t the job is due, in the job's zone; the
// zero time when its spec never matches again.
func (j Job) Next(t time.Time) time.Time { return j.schedule.Next(t.In(j.Zone)) }

// LastDue is the latest time in (after, now] the job was due, if any. The
// service uses it on start to find a run missed while it was down, and to
// name the due time of a run cron has just fired.
func (j Job) LastDue(after, now time.Time) (time.Time, bool) {
	first := j.Next(after)
	if first.IsZero() || first.After(now) {
		return time.Time{}, false
	}
	// Search back from now in doubling steps for a start with a due time
	// before now, so a seconds spec after a month's downtime does not walk
	// millions of ticks.
	start := after
	for d := time.Second; ; d *= 2 {
		c := now.Add(-d)
		if !c.After(after) {
			break
		}
		if n := j.Next(c); !n.IsZero() && !n.After(now) {
			start = c
			break
		}
	}
	last := j.Next(start)
	for {
		n := j.Next(last)
		if n.IsZero() || n.After(now) {
			return last, true
		}
		last = n
	}
}

// cronParser accepts the classic five fields, an optional leading seconds
// field (for tests and for jobs that must run at an exact second), and
// descriptors such as @daily and @weekly.
var cronParser = cron.NewParser(cron.SecondOptional | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// ParseSpec reads a cron spec in zone.
func ParseSpec(spec string, zone *time.Location) (cron.Schedule, error) {
	s := strings.TrimSpace(spec)
	if strings.HasPrefix(s, "TZ=") || strings.HasPrefix(s, "CRON_TZ=") {
		return nil, errors.New("give the time zone with the zone key, not inside the cron spec")
	}
	if strings.HasPrefix(s, "@every") {
		return nil, errors.New("@every has no fixed times, so a missed run cannot be told; write the times as a cron spec")
	}
	sched, err := cronParser.Parse(s)
	if err != nil {
		return nil, err
	}
	spec2, ok := sched.(*cron.SpecSchedule)
	if !ok {
		return nil, fmt.Errorf("unsupported schedule %T", sched)
	}
	spec2.Location = zone
	return spec2, nil
}

// Load reads every *.yaml and *.yml file in dir. A job name may appear only
// once across the folder. All problems are reported together, each with its
// file and line; with them come the jobs that are sound, so a caller can
// check their params too and report everything in one pass.
func Load(dir string) ([]Job, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read schedules: %w", err)
	}
	var files []string
	for _, e := range entries {
		ext := strings.ToLower(filepath.Ext(e.Name()))
		if e.Type().IsRegular() && !strings.HasPrefix(e.Name(), ".") && (ext == ".yaml" || ext == ".yml") {
			files = append(files, filepath.Join(dir, e.Name()))
		}
	}
	sort.Strings(files)
	if len(files) == 0 {
		return nil, fmt.Errorf("read schedules: no .yaml files in %s", dir)
	}
	var jobs []Job
	var errs []error
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			errs = append(errs, fmt.Errorf("read schedules: %w", err))
			continue
		}
		js, err := Parse(f, data)
		if err != nil {
			errs = append(errs, err)
		}
		jobs = append(jobs, js...)
	}
	jobs, dups := unique(jobs)
	return jobs, errors.Join(append(errs, dups...)...)
}

// unique keeps the first job of each name and refuses the others, so a
// duplicate found in one file is not reported again across the folder.
func unique(jobs []Job) ([]Job, []error) {
	var errs []error
	var out []Job
	first := map[string]Job{}
	for _, j := range jobs {
		if f, ok := first[j.Name]; ok {
			errs = append(errs, &Error{File: j.File, Line: j.Line,
				Reason: fmt.Sprintf("duplicate job name %q (first at %s:%d)", j.Name, f.File, f.Line)})
			continue
		}
		first[j.Name] = j
		out = append(out, j)
	}
	return out, errs
}

// yamlLine finds the line number yaml.v3 puts in its syntax messages.
var yamlLine = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)

// Parse reads one schedule file's text; file names it in errors. As with
// Load, the sound jobs come back even when others have problems.
func Parse(file string, data []byte) ([]Job, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
			n, _ := strconv.Atoi(m[1])
			return nil, &Error{File: file, Line: n, Reason: m[2]}
		}
		return nil, &Error{File: file, Reason: strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil, &Error{File: file, Reason: "empty file: expected a jobs: list"}
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, &Error{File: file, Line: root.Line, Reason: "expected a mapping with a jobs: list"}
	}
	var errs []error
	var list *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		switch k.Value {
		case "jobs":
			list = v
		default:
			errs = append(errs, &Error{File: file, Line: k.Line, Reason: fmt.Sprintf("unknown key %q (a schedule file has one key, jobs)", k.Value)})
		}
	}
	if list == nil {
		errs = append(errs, &Error{File: file, Line: root.Line, Reason: "no jobs: list"})
		return nil, errors.Join(errs...)
	}
	if list.Kind != yaml.SequenceNode {
		errs = append(errs, &Error{File: file, Line: list.Line, Reason: "jobs must be a list (each item starting with -)"})
		return nil, errors.Join(errs...)
	}
	var jobs []Job
	for _, item := range list.Content {
		j, jerrs := parseJob(file, item)
		errs = append(errs, jerrs...)
		if len(jerrs) == 0 {
			jobs = append(jobs, j)
		}
	}
	jobs, dups := unique(jobs)
	return jobs, errors.Join(append(errs, dups...)...)
}

// jobName keeps names easy to type on a command line (enlist run NAME) and
// to read in a log: letters (Chinese included), digits, '-', '_', '.'.
var jobName = regexp.MustCompile(`^[\p{L}\p{N}][\p{L}\p{N}_.-]{0,63}$`)

var jobKeys = []string{"name", "description", "cron", "zone", "type", "params", "retries", "backoff", "catch_up", "timeout"}

func parseJob(file string, n *yaml.Node) (Job, []error) {
	j := Job{File: file, Line: n.Line}
	var errs []error
	bad := func(node *yaml.Node, format string, args ...any) {
		errs = append(errs, &Error{File: file, Line: node.Line, Reason: fmt.Sprintf(format, args...)})
	}
	if n.Kind != yaml.MappingNode {
		bad(n, "a job must be a mapping with name, cron and type")
		return j, errs
	}
	seen := map[string]bool{}
	var specNode, typeNode *yaml.Node
	zoneName := DefaultZone
	var zoneNode *yaml.Node
	backoffGiven := false
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if seen[k.Value] {
			bad(k, "key %q given twice", k.Value)
			continue
		}
		seen[k.Value] = true
		switch k.Value {
		case "name":
			if scalar(v, bad, "name") {
				j.Name = v.Value
				if !jobName.MatchString(j.Name) {
					bad(v, "job name %q: use letters, digits, '-', '_' or '.', at most 64, no spaces", j.Name)
				}
			}
		case "description":
			if scalar(v, bad, "description") {
				j.Description = v.Value
			}
		case "cron":
			if scalar(v, bad, "cron") {
				j.Spec, specNode = v.Value, v
			}
		case "zone":
			if scalar(v, bad, "zone") {
				zoneName, zoneNode = v.Value, v
			}
		case "type":
			if scalar(v, bad, "type") {
				j.Type, typeNode = v.Value, v
			}
		case "params":
			switch v.Kind {
			case yaml.MappingNode:
				j.params = v
			case yaml.ScalarNode:
				if v.Tag != "!!null" {
					bad(v, "params must be a mapping of names to values")
				}
			default:
				bad(v, "params must be a mapping of names to values")
			}
		case "retries":
			if scalar(v, bad, "retries") {
				r, err := strconv.Atoi(v.Value)
				if err != nil || r < 0 || r > maxRetries {
					bad(v, "retries %q: give a whole number from 0 to %d", v.Value, maxRetries)
				}
				j.Retries = r
			}
		case "backoff", "timeout":
			if scalar(v, bad, k.Value) {
				d, err := time.ParseDuration(v.Value)
				if err != nil || d <= 0 {
					bad(v, "%s %q: give a duration such as 30s, 5m or 1h", k.Value, v.Value)
				}
				if k.Value == "backoff" {
					j.Backoff, backoffGiven = d, true
				} else {
					j.Timeout = d
				}
			}
		case "catch_up":
			if scalar(v, bad, "catch_up") {
				var b bool
				if err := v.Decode(&b); err != nil {
					bad(v, "catch_up %q: give true or false", v.Value)
				}
				j.CatchUp = b
			}
		default:
			bad(k, "unknown key %q (a job has %s)", k.Value, strings.Join(jobKeys, ", "))
		}
	}
	for _, req := range []string{"name", "cron", "type"} {
		if !seen[req] {
			bad(n, "job has no %s", req)
		}
	}
	zone, err := time.LoadLocation(zoneName)
	if err != nil || zoneName == "" || zoneName == "Local" {
		at := n
		if zoneNode != nil {
			at = zoneNode
		}
		bad(at, "unknown time zone %q: use an IANA name such as Asia/Shanghai or UTC", zoneName)
		zone = time.UTC
	}
	j.Zone = zone
	if specNode != nil {
		s, err := ParseSpec(j.Spec, zone)
		if err != nil {
			bad(specNode, "cron spec %q: %v (five fields: minute hour day-of-month month day-of-week, e.g. \"30 1 * * *\"; or six with seconds first)", j.Spec, err)
		}
		j.schedule = s
	}
	if typeNode != nil && !slices.Contains(Types(), j.Type) {
		bad(typeNode, "unknown job type %q: use one of %s", j.Type, strings.Join(Types(), ", "))
	}
	if j.Retries > 0 && !backoffGiven {
		j.Backoff = DefaultBackoff
	}
	if j.params != nil {
		j.paramPos = map[string]int{}
		for i := 0; i+1 < len(j.params.Content); i += 2 {
			k := j.params.Content[i]
			if _, dup := j.paramPos[k.Value]; dup {
				bad(k, "parameter %q given twice", k.Value)
			}
			j.paramPos[k.Value] = k.Line
		}
	}
	return j, errs
}

func scalar(v *yaml.Node, bad func(*yaml.Node, string, ...any), key string) bool {
	if v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
		bad(v, "%s must be a single value", key)
		return false
	}
	return true
}

// DecodeParams fills v, a pointer to a struct whose fields carry yaml tags,
// from the job's params. A key with no field, or a value of the wrong kind,
// is an *Error at its line, so a typo in a schedule is refused when the
// service starts rather than ignored.
func (j Job) DecodeParams(v any) error {
	if j.params == nil {
		return nil
	}
	known := yamlFields(reflect.TypeOf(v))
	var errs []error
	for i := 0; i+1 < len(j.params.Content); i += 2 {
		k := j.params.Content[i]
		if !known[k.Value] {
			names := make([]string, 0, len(known))
			for n := range known {
				names = append(names, n)
			}
			sort.Strings(names)
			errs = append(errs, &Error{File: j.File, Line: k.Line,
				Reason: fmt.Sprintf("job %s: unknown parameter %q for type %s (known: %s)", j.Name, k.Value, j.Type, strings.Join(names, ", "))})
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	if err := j.params.Decode(v); err != nil {
		var te *yaml.TypeError
		if errors.As(err, &te) {
			for _, msg := range te.Errors {
				if m := yamlLine.FindStringSubmatch(msg); m != nil {
					n, _ := strconv.Atoi(m[1])
					errs = append(errs, &Error{File: j.File, Line: n, Reason: fmt.Sprintf("job %s: %s", j.Name, m[2])})
					continue
				}
				errs = append(errs, &Error{File: j.File, Line: j.params.Line, Reason: fmt.Sprintf("job %s: %s", j.Name, msg)})
			}
			return errors.Join(errs...)
		}
		return &Error{File: j.File, Line: j.params.Line, Reason: fmt.Sprintf("job %s: %v", j.Name, err)}
	}
	return nil
}

// ParamError is a problem with one parameter's value, at its line.
func (j Job) ParamError(key, format string, args ...any) error {
	line := j.Line
	if l, ok := j.paramPos[key]; ok {
		line = l
	}
	return &Error{File: j.File, Line: line, Reason: fmt.Sprintf("job %s: %s: %s", j.Name, key, fmt.Sprintf(format, args...))}
}

func yamlFields(t reflect.Type) map[string]bool {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	out := map[string]bool{}
	if t.Kind() != reflect.Struct {
		return out
	}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name := strings.ToLower(f.Name)
		if tag, ok := f.Tag.Lookup("yaml"); ok {
			if tag == "-" {
				continue
			}
			if n := strings.Split(tag, ",")[0]; n != "" {
				name = n
			}
		}
		out[name] = true
	}
	return out
}
