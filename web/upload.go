package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"enlist/internal/files"
	"enlist/internal/jobs"
	"enlist/internal/regions"
	"enlist/internal/warehouse"
	"enlist/pipelines/load"
	"enlist/pipelines/mapping"
)

// Uploads: an operator hands in extracts from the browser (or a script
// through POST /api/v1/check and /api/v1/ingest) instead of a shared
// folder. The files are stored in a staging folder beside the warehouse
// (<warehouse>.uploads/<id>/, never in the warehouse), checked by the dry
// run of enlist check (jobs.Check: the same reader, with its zip-bomb and
// hostile-file guards, the same mapping and validation, on a throwaway copy
// of the warehouse), and loaded on confirm by the path of enlist ingest
// (jobs.Ingest, one transaction per file, the ledger with the account's
// name in loaded_by), then published as ingest publishes. Cancel removes
// the folder; a confirmed upload's folder goes once it is loaded, and an
// abandoned one after uploadTTL.
//
// A file whose scope lies outside the operator's region is refused at the
// check, and the whole upload with it (its folder removed: nothing of it
// stays); the load checks the scope again inside the file's transaction
// (load.Options.Admit), so a file whose scope changed since the check is
// refused before anything of it is committed.

const (
	// defaultUploadMax is an upload's limit when neither Config nor
	// enlist.yaml gives one (console.upload_max_size).
	defaultUploadMax = 200_000_000
	// uploadTTL is how long an upload neither confirmed nor cancelled stays.
	uploadTTL = 24 * time.Hour
	// maxUploadFiles bounds the files of one upload.
	maxUploadFiles = 50
	// metaFile holds an upload's owner, options and last check.
	metaFile = "upload.json"
	// multipartSlack is what the multipart framing and the option fields
	// may add to the files' bytes.
	multipartSlack = 1 << 20
)

// uploadID is a staged upload's name: 16 random bytes in hex.
var uploadID = regexp.MustCompile(`^[0-9a-f]{32}$`)

// uploadOptions are the options of enlist check and ingest the console
// takes, as the form sends them.
type uploadOptions struct {
	Kind   string `json:"kind,omitempty"`
	Year   string `json:"year,omitempty"`
	Season string `json:"season,omitempty"`
	Region string `json:"region,omitempty"`
	// Map is one HEADER=column a line, as --map takes them.
	Map string `json:"map,omitempty"`
}

// staged is an upload in its staging folder.
type staged struct {
	ID      string            `json:"id"`
	Owner   string            `json:"owner"`
	Region  string            `json:"region"`
	Created time.Time         `json:"created"`
	Files   []string          `json:"files"` // names as uploaded, stored under them
	Options uploadOptions     `json:"options"`
	Report  *jobs.CheckReport `json:"report,omitempty"`
	dir     string
}

func (u *staged) paths() []string {
	out := make([]string, len(u.Files))
	for i, f := range u.Files {
		out[i] = filepath.Join(u.dir, f)
	}
	return out
}

// uploadProblem is one reason an upload is refused, placed in its file.
type uploadProblem struct {
	File   string `json:"file"`
	Sheet  string `json:"sheet,omitempty"`
	Row    int    `json:"row,omitempty"`
	Column int    `json:"column,omitempty"`
	Reason string `json:"reason"`
}

// uploadError is an upload refused: what is wrong, the parameter to fix,
// and each file's problem.
type uploadError struct {
	Status    int             `json:"-"`
	Message   string          `json:"error"`
	Parameter string          `json:"parameter,omitempty"`
	Problems  []uploadProblem `json:"problems,omitempty"`
}

func (e *uploadError) Error() string { return e.Message }

func refuse(status int, param, format string, args ...any) *uploadError {
	return &uploadError{Status: status, Parameter: param, Message: fmt.Sprintf(format, args...)}
}

// uploadsRoot is the staging folder beside the warehouse.
func (s *Server) uploadsRoot() string { return s.cfg.Warehouse + ".uploads" }

// uploadMax is the largest upload body taken.
func (s *Server) uploadMax() int64 {
	if s.cfg.UploadMaxBytes > 0 {
		return s.cfg.UploadMaxBytes
	}
	if s.cfg.Site != nil {
		if cfg, err := s.cfg.Site.Config(); err == nil {
			return cfg.Console.UploadMaxBytes()
		}
	}
	return defaultUploadMax
}

// sizeText is a byte count as people read a limit: 200 MB.
func sizeText(n int64) string {
	if n >= 1_000_000 {
		return strconv.FormatFloat(float64(n)/1e6, 'f', -1, 64) + " MB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

// receive stores the multipart body's files in a new staging folder and
// reads the option fields; nothing is left behind when it fails.
func (s *Server) receive(w http.ResponseWriter, r *http.Request, c *call) (_ *staged, err error) {
	if s.cfg.Site == nil {
		return nil, refuse(http.StatusServiceUnavailable, "", "%s", c.Lang.t("upload_off"))
	}
	s.sweepUploads()
	max := s.uploadMax()
	r.Body = http.MaxBytesReader(w, r.Body, max+multipartSlack)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, refuse(http.StatusBadRequest, "files", c.Lang.t("upload_not_multipart")+": %v", err)
	}
	id := make([]byte, 16)
	rand.Read(id) //nolint:errcheck // crypto/rand never fails on Linux
	u := &staged{ID: hex.EncodeToString(id), Owner: c.User.Name, Region: c.User.Region, Created: s.now().UTC()}
	u.dir = filepath.Join(s.uploadsRoot(), u.ID)
	if err := os.MkdirAll(u.dir, 0o700); err != nil {
		return nil, fmt.Errorf("make the staging folder: %w", err)
	}
	defer func() {
		if err != nil {
			os.RemoveAll(u.dir) //nolint:errcheck // best effort; the sweep removes it later
		}
	}()
	var total int64
	seen := map[string]bool{}
	form := map[string]string{}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, s.bodyError(c, err, max)
		}
		name := part.FormName()
		if part.FileName() == "" {
			v, err := io.ReadAll(io.LimitReader(part, 64<<10))
			if err != nil {
				return nil, s.bodyError(c, err, max)
			}
			form[name] = string(v)
			continue
		}
		if name != "files" {
			return nil, refuse(http.StatusBadRequest, name, "%s", c.Lang.f("upload_field", name))
		}
		file, err := uploadName(part.FileName())
		if err != nil {
			return nil, refuse(http.StatusBadRequest, "files", "%s", c.Lang.f("upload_bad_name", part.FileName(), err))
		}
		if seen[file] {
			return nil, refuse(http.StatusBadRequest, "files", "%s", c.Lang.f("upload_twice", file))
		}
		seen[file] = true
		if len(u.Files) == maxUploadFiles {
			return nil, refuse(http.StatusBadRequest, "files", "%s", c.Lang.f("upload_too_many", maxUploadFiles))
		}
		n, err := saveUploadPart(filepath.Join(u.dir, file), part, max-total)
		total += n
		if err != nil {
			return nil, s.bodyError(c, err, max)
		}
		u.Files = append(u.Files, file)
	}
	if len(u.Files) == 0 {
		return nil, refuse(http.StatusBadRequest, "files", "%s", c.Lang.t("upload_no_files"))
	}
	u.Options = uploadOptions{Kind: form["kind"], Year: form["year"], Season: form["season"], Region: form["region"], Map: form["map"]}
	return u, nil
}

// bodyError is a failure reading the body: too large is the operator's to
// fix, named with the limit; anything else is a broken request.
func (s *Server) bodyError(c *call, err error, max int64) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) || errors.Is(err, errTooLarge) {
		return refuse(http.StatusRequestEntityTooLarge, "files", "%s", c.Lang.f("upload_too_large", sizeText(max)))
	}
	return refuse(http.StatusBadRequest, "files", c.Lang.t("upload_not_multipart")+": %v", err)
}

var errTooLarge = errors.New("upload larger than the limit")

// saveUploadPart writes one file of the body, at most room bytes.
func saveUploadPart(path string, part *multipart.Part, room int64) (int64, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(f, io.LimitReader(part, room+1))
	if err == nil && n > room {
		err = errTooLarge
	}
	return n, errors.Join(err, f.Close())
}

// uploadName is the name a file is stored under: the browser's name with
// any folder dropped, refused when it could name something else (a
// hidden file, a path) or is not an extract the loader takes.
func uploadName(name string) (string, error) {
	name = filepath.Base(strings.ReplaceAll(name, `\`, "/"))
	switch {
	case name == "." || name == "/" || name == "" || strings.HasPrefix(name, ".") || name == metaFile:
		return "", errors.New("not a file name")
	case len(name) > 200:
		return "", errors.New("name too long")
	case !load.IsExtract(name):
		return "", errors.New(".csv, .xlsx, .xls, .et or .ods")
	}
	return name, nil
}

// loadOptions reads the options as enlist check and ingest read their
// flags, refusing a region outside the operator's.
func (s *Server) loadOptions(c *call, o uploadOptions) (load.Options, error) {
	opt := load.Options{Mode: load.Snapshot, Kind: mapping.Kind(strings.TrimSpace(o.Kind))}
	bad := func(param string, format string, args ...any) (load.Options, error) {
		return opt, refuse(http.StatusBadRequest, param, param+": "+format, args...)
	}
	for _, f := range []struct {
		name, text string
		dst        *int
	}{{"year", o.Year, &opt.Year}, {"season", o.Season, &opt.Season}} {
		if t := strings.TrimSpace(f.text); t != "" {
			n, err := strconv.Atoi(t)
			if err != nil {
				return bad(f.name, "%q is not a number", t)
			}
			*f.dst = n
		}
	}
	if opt.Year != 0 && (opt.Year < 2000 || opt.Year > s.now().Year()+1) {
		return bad("year", "%d: give a year from 2000 to %d", opt.Year, s.now().Year()+1)
	}
	if p := jobs.CheckLoadOptions(opt); len(p) > 0 {
		return bad(p[0].Param, "%s", p[0].Message)
	}
	if code := strings.TrimSpace(o.Region); code != "" {
		code = regions.NormaliseCode(code)
		if regions.LevelOf(code) == 0 {
			return bad("region", "%s", c.Lang.f("bad_scope", code))
		}
		if !Within(c.User.Region, code) {
			return opt, refuse(http.StatusForbidden, "region", "region: %s", c.Lang.f("out_of_scope", code, c.User.Region))
		}
		opt.Region = code
	}
	for _, line := range strings.Split(o.Map, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		i := strings.LastIndex(line, "=")
		if i <= 0 || i == len(line)-1 {
			return bad("map", "%q: write HEADER=column, e.g. 户籍地编码=region_code", line)
		}
		h, col := strings.TrimSpace(line[:i]), strings.TrimSpace(line[i+1:])
		if !mapping.IsColumn(col) {
			return bad("map", "%q: %q is not a column; columns are %s", line, col, strings.Join(mapping.Columns(), ", "))
		}
		if opt.Map == nil {
			opt.Map = map[string]string{}
		}
		if prev, ok := opt.Map[h]; ok && prev != col {
			return bad("map", "%q: header %q is already mapped to %s", line, h, prev)
		}
		opt.Map[h] = col
	}
	return opt, nil
}

// admit refuses, inside a file's load, a scope outside region.
func admit(region string) func(mapping.Kind, load.Scope) error {
	return func(kind mapping.Kind, sc load.Scope) error {
		if !Within(region, sc.Region) {
			return fmt.Errorf("its scope %q lies outside the region %s of the account loading it; nothing of it was stored", sc.Region, region)
		}
		return nil
	}
}

// check runs the dry run of enlist check on the staged files and names
// them as uploaded; a file whose scope lies outside the operator's region
// refuses the whole upload.
func (s *Server) check(ctx context.Context, c *call, u *staged) error {
	opt, err := s.loadOptions(c, u.Options)
	if err != nil {
		return err
	}
	rep, err := jobs.Check(ctx, s.cfg.Site, u.paths(), opt, nil)
	if err != nil {
		return err
	}
	s.tellNames(u, rep)
	var outside []uploadProblem
	for _, f := range rep.Files {
		if f.Status == "would_load" && !Within(c.User.Region, f.Scope.Region) {
			outside = append(outside, uploadProblem{File: f.File, Sheet: f.Sheet,
				Reason: c.Lang.f("upload_outside", f.Scope.Region, c.User.Region)})
		}
	}
	if len(outside) > 0 {
		e := refuse(http.StatusForbidden, "files", "%s", c.Lang.f("upload_refused_outside", outside[0].File, outside[0].Reason))
		e.Problems = outside
		return e
	}
	u.Report = rep
	return nil
}

// tellNames puts the uploaded names for the staging paths in a report:
// the page and the API never show a path of the server.
func (s *Server) tellNames(u *staged, rep *jobs.CheckReport) {
	prefix := u.dir + string(filepath.Separator)
	rep.Warehouse = filepath.Base(rep.Warehouse)
	for i := range rep.Files {
		f := &rep.Files[i]
		f.File = strings.TrimPrefix(f.File, prefix)
		f.Refusal = strings.ReplaceAll(f.Refusal, prefix, "")
		for j := range f.Warnings {
			f.Warnings[j] = strings.ReplaceAll(f.Warnings[j], prefix, "")
		}
		for j := range f.Replaces {
			f.Replaces[j].File = filepath.Base(f.Replaces[j].File)
		}
		for j := range f.PartlyReplaces {
			f.PartlyReplaces[j].File = filepath.Base(f.PartlyReplaces[j].File)
		}
	}
}

// save writes the upload's metadata beside its files.
func (u *staged) save() error {
	b, err := json.Marshal(u)
	if err != nil {
		return err
	}
	return files.WriteFile(filepath.Join(u.dir, metaFile), b, 0o600)
}

// openUpload finds an upload of the call's user; another user's, or none,
// is not found.
func (s *Server) openUpload(c *call, id string) (*staged, error) {
	if !uploadID.MatchString(id) {
		return nil, refuse(http.StatusNotFound, "upload", "%s", c.Lang.t("upload_gone"))
	}
	dir := filepath.Join(s.uploadsRoot(), id)
	b, err := os.ReadFile(filepath.Join(dir, metaFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, refuse(http.StatusNotFound, "upload", "%s", c.Lang.t("upload_gone"))
	}
	if err != nil {
		return nil, err
	}
	u := &staged{}
	if err := json.Unmarshal(b, u); err != nil {
		return nil, fmt.Errorf("read upload %s: %w", id, err)
	}
	if u.Owner != c.User.Name || u.Region != c.User.Region {
		return nil, refuse(http.StatusNotFound, "upload", "%s", c.Lang.t("upload_gone"))
	}
	u.dir = dir
	return u, nil
}

// sweepUploads removes uploads left longer than uploadTTL.
func (s *Server) sweepUploads() {
	entries, err := os.ReadDir(s.uploadsRoot())
	if err != nil {
		return
	}
	for _, e := range entries {
		if !uploadID.MatchString(e.Name()) {
			continue
		}
		info, err := e.Info()
		if err == nil && s.now().Sub(info.ModTime()) > uploadTTL {
			os.RemoveAll(filepath.Join(s.uploadsRoot(), e.Name())) //nolint:errcheck // tried again next time
		}
	}
}

// ledgerEntry is one load_ledger row as the API and the page show it.
type ledgerEntry struct {
	LoadID        int64     `json:"load_id"`
	File          string    `json:"file"`
	Sheet         string    `json:"sheet,omitempty"`
	Kind          string    `json:"kind"`
	ExamType      string    `json:"exam_type,omitempty"`
	Mode          string    `json:"mode"`
	ScopeRegion   string    `json:"scope_region,omitempty"`
	ScopeYear     int       `json:"scope_year,omitempty"`
	ScopeSeason   int       `json:"scope_season,omitempty"`
	RowsRead      int64     `json:"rows_read"`
	RowsAccepted  int64     `json:"rows_accepted"`
	RowsRejected  int64     `json:"rows_rejected"`
	RowsFlagged   int64     `json:"rows_flagged"`
	Status        string    `json:"status"`
	LoadedBy      string    `json:"loaded_by,omitempty"`
	FinishedAt    time.Time `json:"finished_at"`
	Message       string    `json:"message,omitempty"`
	AlreadyLoaded bool      `json:"already_loaded,omitempty"`
}

// ingestAnswer is what a confirmed upload did: the ledger entries of its
// files, and the files refused.
type ingestAnswer struct {
	Loads   []ledgerEntry   `json:"loads"`
	Refused []uploadProblem `json:"refused,omitempty"`
}

// ingest loads the staged files through the path of enlist ingest, taking
// the process's turn on the writer, and publishes as ingest does.
func (s *Server) ingest(ctx context.Context, c *call, u *staged) (*ingestAnswer, error) {
	opt, err := s.loadOptions(c, u.Options)
	if err != nil {
		return nil, err
	}
	opt.LoadedBy = c.User.Name
	opt.Admit = admit(c.User.Region)
	st := s.cfg.Site
	log := st.Logger().With("upload", u.ID, "user", c.User.Name)
	done, err := s.writer.Take(ctx, log, "upload")
	if err != nil {
		return nil, err
	}
	defer done()
	wh, err := st.Open(ctx)
	if err != nil {
		return nil, err
	}
	key, err := st.Key()
	if err != nil {
		return nil, errors.Join(err, wh.Close())
	}
	results, loadErr := jobs.Ingest(ctx, st.WithLog(log), wh, key, u.paths(), opt, nil, func(msg string) { log.Warn(msg) })
	ans := &ingestAnswer{Loads: []ledgerEntry{}}
	var other []error
	for _, e := range load.Failures(loadErr) {
		var fe *load.FileError
		if !errors.As(e, &fe) {
			other = append(other, e)
			continue
		}
		p := uploadProblem{File: strings.TrimPrefix(fe.File, u.dir+string(filepath.Separator)),
			Reason: strings.ReplaceAll(fe.Err.Error(), u.dir+string(filepath.Separator), "")}
		ans.Refused = append(ans.Refused, p)
	}
	var ids []int64
	already := map[int64]bool{}
	for _, r := range results {
		ids = append(ids, r.LoadID)
		if r.Status == "already_loaded" {
			already[r.LoadID] = true
		}
	}
	entries, readErr := readLedger(ctx, wh, ids)
	for i := range entries {
		// The name as uploaded: the staging folder is the server's.
		entries[i].File = filepath.Base(entries[i].File)
		entries[i].Message = strings.ReplaceAll(entries[i].Message, u.dir+string(filepath.Separator), "")
		entries[i].AlreadyLoaded = already[entries[i].LoadID]
	}
	ans.Loads = append(ans.Loads, entries...)
	// Files that loaded are committed even when another was refused, so
	// readers get them either way (as enlist ingest does).
	closeErr := wh.Close()
	if err := errors.Join(append(other, readErr, closeErr)...); err != nil {
		return ans, err
	}
	if err := st.Publish(ctx); err != nil {
		return ans, err
	}
	return ans, nil
}

// readLedger reads the ledger rows of ids, in load order.
func readLedger(ctx context.Context, wh *warehouse.Warehouse, ids []int64) ([]ledgerEntry, error) {
	out := []ledgerEntry{}
	if len(ids) == 0 {
		return out, nil
	}
	list := make([]string, len(ids))
	for i, id := range ids {
		list[i] = strconv.FormatInt(id, 10)
	}
	rows, err := wh.DB().QueryContext(ctx, `SELECT load_id, file, coalesce(sheet, ''), kind, coalesce(exam_type, ''), mode,
		coalesce(scope_region, ''), coalesce(scope_year, 0), coalesce(scope_season, 0), rows_read, rows_accepted,
		rows_rejected, rows_flagged, status, coalesce(loaded_by, ''), finished_at, coalesce(message, '')
		FROM load_ledger WHERE load_id IN (`+strings.Join(list, ",")+`) ORDER BY load_id`)
	if err != nil {
		return nil, fmt.Errorf("read the ledger: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var e ledgerEntry
		if err := rows.Scan(&e.LoadID, &e.File, &e.Sheet, &e.Kind, &e.ExamType, &e.Mode, &e.ScopeRegion, &e.ScopeYear,
			&e.ScopeSeason, &e.RowsRead, &e.RowsAccepted, &e.RowsRejected, &e.RowsFlagged, &e.Status, &e.LoadedBy,
			&e.FinishedAt, &e.Message); err != nil {
			return nil, fmt.Errorf("read the ledger: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// removeUpload removes an upload's folder.
func removeUpload(u *staged) error { return os.RemoveAll(u.dir) }

// uploadFailed answers an error of an upload: the operator's to fix with
// its status and problems, anything else the server's.
func (s *Server) uploadFailed(w http.ResponseWriter, r *http.Request, c *call, err error) {
	var ue *uploadError
	if !errors.As(err, &ue) {
		s.failed(w, r, c, err)
		return
	}
	if c.API {
		writeJSON(w, ue.Status, ue)
		return
	}
	msg := ue.Message
	for _, p := range ue.Problems {
		msg += "\n" + p.File + ": " + p.Reason
	}
	s.fail(w, r, c, ue.Status, ue.Parameter, msg)
}

// statusOf is the status an upload error is answered with.
func statusOf(err error) int {
	var ue *uploadError
	if errors.As(err, &ue) {
		return ue.Status
	}
	return http.StatusInternalServerError
}

// refusals are the files a dry run would refuse, placed in their files.
func refusals(rep *jobs.CheckReport) []uploadProblem {
	var out []uploadProblem
	for _, f := range rep.Files {
		if f.Status == "refused" {
			out = append(out, uploadProblem{File: f.File, Sheet: f.Sheet, Row: f.Row, Column: f.Column, Reason: f.Refusal})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].File < out[j].File })
	return out
}
