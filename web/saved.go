package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"enlist/internal/scoped"
)

// Saved queries on the SQL page and the API (internal/scoped's Saved, the
// file enlist.queries.json beside the warehouse): an analyst saves the
// editor's query with a name and a description, lists their own and those
// shared on their region's branch, re-runs one with new $as_of, $year and
// $season values, and deletes their own.
//
// Who sees what is scoped's rule (saved.go there): the owner's own, and
// the shared ones of analysts whose region is the user's, above it or
// below it — never a sibling's. What a query reads is never the saver's:
// it runs, like every query of the page, on the copy holding the rows of
// the region the request names (the user's, or one under it), so a
// county's analyst running the city's shared query counts the county.

// savedRequest is the body of POST /api/v1/queries: a new query, or with
// id a change to one of the user's own.
type savedRequest struct {
	ID          int64             `json:"id"`
	Name        string            `json:"name"`
	Description string            `json:"description"`
	Query       string            `json:"query"`
	Vars        map[string]string `json:"vars"`
	Shared      bool              `json:"shared"`
}

// savedRun is the body of POST /api/v1/queries/{id}/run: the values that
// take the place of the saved ones (an empty value keeps the saved one),
// and a shorter time limit.
type savedRun struct {
	Vars    map[string]string `json:"vars"`
	Timeout string            `json:"timeout"`
}

// savedAnswer is one saved query as the API lists it; Mine says whether
// the user may delete or change it.
type savedAnswer struct {
	ID          int64             `json:"id"`
	Name        string            `json:"name"`
	Description string            `json:"description"`
	Owner       string            `json:"owner"`
	Region      string            `json:"region"`
	Shared      bool              `json:"shared"`
	Mine        bool              `json:"mine"`
	Query       string            `json:"query"`
	Vars        map[string]string `json:"vars"`
	Updated     string            `json:"updated"`
}

func (s *Server) savedQueries() *scoped.Saved {
	sv := scoped.OpenSaved(s.cfg.SavedQueries)
	sv.Now = s.cfg.Now
	return sv
}

func (c *call) savedAnswer(q scoped.SavedQuery) savedAnswer {
	vars := map[string]string{}
	for k, v := range q.Vars {
		vars[k] = v
	}
	return savedAnswer{ID: q.ID, Name: q.Name, Description: q.Description, Owner: q.Owner, Region: q.Region,
		Shared: q.Shared, Mine: q.Owner == c.User.Name, Query: q.Query, Vars: vars,
		Updated: q.Updated.UTC().Format(time.RFC3339)}
}

// savedID reads the {id} of the path, answering 400 when it is not one.
func (s *Server) savedID(w http.ResponseWriter, r *http.Request, c *call) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.fail(w, r, c, http.StatusBadRequest, "id", fmt.Sprintf("%q is not a saved query's number", r.PathValue("id")))
		return 0, false
	}
	return id, true
}

// savedFailed answers an error of the saved-queries file: not found (or
// not the user's) is 404, a refused name or value 400, the rest 500.
func (s *Server) savedFailed(w http.ResponseWriter, r *http.Request, c *call, param string, err error) {
	switch {
	case errors.Is(err, scoped.ErrNotFound):
		s.fail(w, r, c, http.StatusNotFound, "id", err.Error())
	case r.Context().Err() != nil:
	case strings.HasPrefix(err.Error(), "save query"):
		s.fail(w, r, c, http.StatusBadRequest, param, err.Error())
	default:
		s.failed(w, r, c, err)
	}
}

// savedParam names the field a refused save is about, from scoped's
// message: the variables, the name, the description, else the query.
func savedParam(err error) string {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "variable"):
		return "vars"
	case strings.Contains(msg, "name"):
		return "name"
	case strings.Contains(msg, "description"):
		return "description"
	}
	return "query"
}

// apiSavedList is GET /api/v1/queries: the saved queries the user may see.
func (s *Server) apiSavedList(w http.ResponseWriter, r *http.Request, c *call) {
	qs, err := s.savedQueries().List(r.Context(), c.User.Name, c.User.Region)
	if err != nil {
		s.savedFailed(w, r, c, "", err)
		return
	}
	out := make([]savedAnswer, 0, len(qs))
	for _, q := range qs {
		out = append(out, c.savedAnswer(q))
	}
	writeJSON(w, http.StatusOK, out)
}

// apiSavedSave is POST /api/v1/queries: saves the query for the user, in
// the user's region (whatever ?scope= names: sharing follows the account,
// not the page).
func (s *Server) apiSavedSave(w http.ResponseWriter, r *http.Request, c *call) {
	var q savedRequest
	dec := json.NewDecoder(io.LimitReader(r.Body, maxQueryBytes+64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&q); err != nil {
		s.fail(w, r, c, http.StatusBadRequest, "body", `the body must be JSON: {"name": "…", "description": "…", "query": "SELECT …", "vars": {"as_of": "2025-08-31"}, "shared": true}: `+err.Error())
		return
	}
	vars := scoped.Vars{}
	for k, v := range q.Vars {
		if v = strings.TrimSpace(v); v != "" {
			vars[strings.ToLower(k)] = v
		}
	}
	saved, err := s.savedQueries().Save(r.Context(), scoped.SavedQuery{ID: q.ID, Name: q.Name, Description: q.Description,
		Owner: c.User.Name, Region: c.User.Region, Shared: q.Shared, Query: q.Query, Vars: vars})
	if err != nil {
		s.cfg.Audit(r, "sql_save", fmt.Sprintf("saved query %d %s", q.ID, queryDigest(q.Query)), http.StatusBadRequest)
		s.savedFailed(w, r, c, savedParam(err), err)
		return
	}
	s.cfg.Audit(r, "sql_save", fmt.Sprintf("saved query %d %s shared=%t", saved.ID, queryDigest(saved.Query), saved.Shared), http.StatusOK)
	status := http.StatusCreated
	if q.ID != 0 {
		status = http.StatusOK
	}
	writeJSON(w, status, c.savedAnswer(saved))
}

// apiSavedDelete is DELETE /api/v1/queries/{id}: the user's own only.
func (s *Server) apiSavedDelete(w http.ResponseWriter, r *http.Request, c *call) {
	id, ok := s.savedID(w, r, c)
	if !ok {
		return
	}
	if err := s.savedQueries().Delete(r.Context(), id, c.User.Name); err != nil {
		s.cfg.Audit(r, "sql_delete", fmt.Sprintf("saved query %d", id), http.StatusNotFound)
		s.savedFailed(w, r, c, "id", err)
		return
	}
	s.cfg.Audit(r, "sql_delete", fmt.Sprintf("saved query %d", id), http.StatusOK)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
}

// apiSavedRun is POST /api/v1/queries/{id}/run: a query the user may see,
// run as the SQL API runs the editor's, in the region the request names,
// with the saved variables unless the body gives new values (checked as
// enlist sql --var checks them, the error naming vars.NAME).
func (s *Server) apiSavedRun(w http.ResponseWriter, r *http.Request, c *call) {
	id, ok := s.savedID(w, r, c)
	if !ok {
		return
	}
	var body savedRun
	if r.ContentLength != 0 {
		dec := json.NewDecoder(io.LimitReader(r.Body, 64<<10))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&body); err != nil && !errors.Is(err, io.EOF) {
			s.fail(w, r, c, http.StatusBadRequest, "body", `the body must be JSON: {"vars": {"as_of": "2025-08-31"}, "timeout": "30s"}: `+err.Error())
			return
		}
	}
	q, err := s.savedQueries().Get(r.Context(), id, c.User.Name, c.User.Region)
	if err != nil {
		s.cfg.Audit(r, "sql_query", fmt.Sprintf("saved query %d scope %s", id, c.Scope), http.StatusNotFound)
		s.savedFailed(w, r, c, "id", err)
		return
	}
	req := sqlRequest{Query: q.Query, Vars: map[string]string{}, Timeout: body.Timeout}
	for k, v := range q.Vars {
		req.Vars[k] = v
	}
	for k, v := range body.Vars {
		if strings.TrimSpace(v) != "" {
			req.Vars[strings.ToLower(k)] = v
		}
	}
	s.answerSQL(w, r, c, req, fmt.Sprintf("saved query %d", id))
}
