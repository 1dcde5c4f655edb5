package scoped

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"enlist/internal/analyst"
	"enlist/internal/files"
)

// Saved queries live in a file of the service's own beside the warehouse
// (enlist.queries.json beside enlist.duckdb), never in the warehouse: what
// an analyst saved is not a row any analyst's SQL can read, and a query
// text saved by one region is not data of the regions that may run it.
//
// Visibility follows the region chain: an analyst sees their own queries
// and the shared ones of analysts whose region lies on their branch — their
// own region, one above it (the province sharing a standard query with its
// counties) or one below it. A sibling's queries are never listed. Running
// a saved query always runs it in the scope of the analyst who runs it,
// whoever saved it.

// SavedQuery is one analyst's saved query.
type SavedQuery struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	Owner       string    `json:"owner"`  // the user name that saved it
	Region      string    `json:"region"` // the owner's region when saved
	Shared      bool      `json:"shared"` // listed for the analysts of the region's branch
	Query       string    `json:"query"`
	Vars        Vars      `json:"vars,omitempty"` // default values of as_of, year, season
	Created     time.Time `json:"created"`
	Updated     time.Time `json:"updated"`
}

// ErrNotFound means no saved query with that id is visible to the user.
var ErrNotFound = errors.New("no such saved query")

// SavedPathFor is where the saved queries of the warehouse at db live.
func SavedPathFor(db string) string {
	return strings.TrimSuffix(db, ".duckdb") + ".queries.json"
}

// Saved is the saved-queries file.
type Saved struct {
	path string
	// Now stamps changes (time.Now when nil).
	Now func() time.Time
}

// OpenSaved names the saved-queries file at path; it is created by the
// first Save.
func OpenSaved(path string) *Saved { return &Saved{path: path} }

// savedFile is the file's content.
type savedFile struct {
	NextID  int64        `json:"next_id"`
	Queries []SavedQuery `json:"queries"`
}

const (
	maxNameRunes        = 100
	maxDescriptionRunes = 2000
	maxQueryBytes       = 100_000
)

// Save stores q for its owner: a new query when q.ID is 0 (its name must
// be new among the owner's queries), else a change to the owner's query
// with that id. It checks the fields and the variables' values; the query
// text itself is checked each time it runs.
func (s *Saved) Save(ctx context.Context, q SavedQuery) (SavedQuery, error) {
	q.Name = strings.TrimSpace(q.Name)
	q.Description = strings.TrimSpace(q.Description)
	if err := checkSaved(q, s.now()); err != nil {
		return SavedQuery{}, err
	}
	var out SavedQuery
	err := s.change(ctx, func(f *savedFile) error {
		now := s.now().UTC()
		for i, o := range f.Queries {
			if o.Owner == q.Owner && o.Name == q.Name && o.ID != q.ID {
				return fmt.Errorf("save query: %s already has a query named %q; choose another name or change that one", q.Owner, q.Name)
			}
			if q.ID != 0 && o.ID == q.ID {
				if o.Owner != q.Owner {
					return fmt.Errorf("save query %d: %w", q.ID, ErrNotFound)
				}
				q.Created = o.Created
				q.Updated = now
				f.Queries[i] = q
				out = q
			}
		}
		if q.ID != 0 {
			if out.ID == 0 {
				return fmt.Errorf("save query %d: %w", q.ID, ErrNotFound)
			}
			return nil
		}
		f.NextID++
		q.ID = f.NextID
		q.Created, q.Updated = now, now
		f.Queries = append(f.Queries, q)
		out = q
		return nil
	})
	return out, err
}

func checkSaved(q SavedQuery, now time.Time) error {
	switch {
	case q.Owner == "":
		return errors.New("save query: no owner")
	case q.Name == "":
		return errors.New("save query: give it a name")
	case utf8.RuneCountInString(q.Name) > maxNameRunes:
		return fmt.Errorf("save query: the name is longer than %d characters", maxNameRunes)
	case utf8.RuneCountInString(q.Description) > maxDescriptionRunes:
		return fmt.Errorf("save query %q: the description is longer than %d characters", q.Name, maxDescriptionRunes)
	case strings.TrimSpace(q.Query) == "":
		return fmt.Errorf("save query %q: the query is empty", q.Name)
	case len(q.Query) > maxQueryBytes:
		return fmt.Errorf("save query %q: the query is longer than %d bytes", q.Name, maxQueryBytes)
	case !utf8.ValidString(q.Name + q.Description + q.Query):
		return fmt.Errorf("save query %q: the text is not valid UTF-8", q.Name)
	}
	for _, r := range q.Name {
		if unicode.IsControl(r) {
			return fmt.Errorf("save query %q: the name holds a control character", q.Name)
		}
	}
	if err := CheckScope(q.Region); err != nil {
		return fmt.Errorf("save query %q: region: %w", q.Name, err)
	}
	for name, value := range q.Vars {
		if _, err := analyst.CheckVariable(name, value, now); err != nil {
			return fmt.Errorf("save query %q: %w", q.Name, err)
		}
	}
	return nil
}

// List returns the queries user (bound to region) may see: their own, and
// the shared ones of their region's branch, by name.
func (s *Saved) List(ctx context.Context, user, region string) ([]SavedQuery, error) {
	f, err := s.read(ctx)
	if err != nil {
		return nil, err
	}
	var out []SavedQuery
	for _, q := range f.Queries {
		if visible(q, user, region) {
			out = append(out, q)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

// Get returns the query id if user (bound to region) may see it.
func (s *Saved) Get(ctx context.Context, id int64, user, region string) (SavedQuery, error) {
	f, err := s.read(ctx)
	if err != nil {
		return SavedQuery{}, err
	}
	for _, q := range f.Queries {
		if q.ID == id && visible(q, user, region) {
			return q, nil
		}
	}
	return SavedQuery{}, fmt.Errorf("saved query %d: %w", id, ErrNotFound)
}

// Delete removes the owner's query id.
func (s *Saved) Delete(ctx context.Context, id int64, owner string) error {
	return s.change(ctx, func(f *savedFile) error {
		for i, q := range f.Queries {
			if q.ID == id && q.Owner == owner {
				f.Queries = append(f.Queries[:i], f.Queries[i+1:]...)
				return nil
			}
		}
		return fmt.Errorf("delete saved query %d: %w", id, ErrNotFound)
	})
}

// Run runs the saved query id for user, in user's own scope (whoever saved
// it), on the published version at published: the saved variables, with
// those in vars taking their place (a new as-of date, year or season).
func (s *Saved) Run(ctx context.Context, published string, id int64, user, region string, vars Vars, opt QueryOptions) (*Result, error) {
	q, err := s.Get(ctx, id, user, region)
	if err != nil {
		return nil, err
	}
	merged := Vars{}
	for k, v := range q.Vars {
		merged[k] = v
	}
	for k, v := range vars {
		merged[k] = v
	}
	res, err := ScopeQuery(ctx, published, region, q.Query, merged, opt)
	if err != nil {
		return nil, fmt.Errorf("saved query %q: %w", q.Name, err)
	}
	return res, nil
}

// visible: the owner's own, or shared on the region's branch.
func visible(q SavedQuery, user, region string) bool {
	if q.Owner == user {
		return true
	}
	return q.Shared && (strings.HasPrefix(q.Region, region) || strings.HasPrefix(region, q.Region))
}

func (s *Saved) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Saved) read(ctx context.Context) (*savedFile, error) {
	lock, err := files.WaitLock(ctx, s.path+".lock")
	if err != nil {
		return nil, err
	}
	defer lock.Unlock() //nolint:errcheck // read only
	return s.load()
}

func (s *Saved) load() (*savedFile, error) {
	b, err := os.ReadFile(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		return &savedFile{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read saved queries: %w", err)
	}
	var f savedFile
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("read saved queries %s: %w (the file is not as enlist writes it; restore it from a backup)", s.path, err)
	}
	return &f, nil
}

// change reads, changes and writes the file under its lock, so two
// analysts saving at once both land; the file is replaced whole (files.Write)
// or not at all.
func (s *Saved) change(ctx context.Context, fn func(*savedFile) error) error {
	lock, err := files.WaitLock(ctx, s.path+".lock")
	if err != nil {
		return err
	}
	defer lock.Unlock() //nolint:errcheck // the write's error is the one to report
	f, err := s.load()
	if err != nil {
		return err
	}
	if err := fn(f); err != nil {
		return err
	}
	return files.Write(s.path, 0o600, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(f)
	})
}
