package jobs

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"enlist/internal/site"
	"enlist/pipelines/export"
	"enlist/pipelines/rollup"
	"enlist/schedules"
)

// RollupParams are what enlist rollup takes: the province warehouse
// (default: the service's own), the sources, and sources to withdraw.
type RollupParams struct {
	Into     string   `yaml:"into"`
	Sources  []string `yaml:"sources"`
	Withdraw []string `yaml:"withdraw"`
}

func rollupJob(s *site.Site, job schedules.Job) (schedules.Task, error) {
	var p RollupParams
	if err := job.DecodeParams(&p); err != nil {
		return nil, err
	}
	if len(p.Sources) == 0 && len(p.Withdraw) == 0 {
		return nil, job.ParamError("sources", "give at least one source: a county's or city's warehouse file or extract folder")
	}
	return func(ctx context.Context, run schedules.Run) (schedules.Outcome, error) {
		// The province warehouse's configuration and secret lie beside it,
		// as for enlist rollup --into.
		ps := s.WithLog(s.Logger().With("job", job.Name))
		if p.Into != "" {
			ps = ps.At(s.Beside(p.Into))
		}
		sources := make([]string, len(p.Sources))
		for i, src := range p.Sources {
			sources[i] = s.Beside(src)
		}
		withdraw := make([]string, len(p.Withdraw))
		for i, w := range p.Withdraw {
			withdraw[i] = w
			if strings.ContainsAny(w, `/\.`) {
				withdraw[i] = s.Beside(w)
			}
		}
		opt, err := ps.RollupOptions(withdraw)
		if err != nil {
			return schedules.Outcome{}, err
		}
		// Into the service's own warehouse, the run's record publishes it
		// once the run ends; publishing here as well would copy it twice.
		opt.NoPublish = ps.DB == s.DB
		rep, err := rollup.Run(ctx, ps.DB, sources, opt)
		counts := map[string]int64{}
		for _, o := range rep.Outcomes {
			counts["sources_"+o.Status]++
			counts["rows"] += o.Rows
		}
		msg := fmt.Sprintf("%d sources into %s", len(rep.Outcomes), ps.DB)
		if !rep.Changed {
			msg += ", unchanged"
		}
		return schedules.Outcome{Message: msg, Counts: counts}, err
	}, nil
}

// ExportParams are what enlist export takes.
type ExportParams struct {
	Out   string   `yaml:"out"`
	Kinds []string `yaml:"kinds"`
}

// ExportKinds reads the kinds to export as given (each may list several,
// comma-separated), refusing one that export does not write; none means
// every kind.
func ExportKinds(given []string) ([]string, error) {
	var out []string
	for _, k := range given {
		for _, part := range strings.Split(k, ",") {
			if part = strings.TrimSpace(part); part == "" {
				continue
			}
			if !slices.Contains(export.Kinds(), part) {
				return nil, fmt.Errorf("%q: use one of %s", part, strings.Join(export.Kinds(), ", "))
			}
			out = append(out, part)
		}
	}
	return out, nil
}

func exportJob(s *site.Site, job schedules.Job) (schedules.Task, error) {
	var p ExportParams
	if err := job.DecodeParams(&p); err != nil {
		return nil, err
	}
	if p.Out == "" {
		return nil, job.ParamError("out", "give the folder to write the Parquet files into")
	}
	kinds, err := ExportKinds(p.Kinds)
	if err != nil {
		return nil, job.ParamError("kinds", "%v", err)
	}
	return func(ctx context.Context, run schedules.Run) (schedules.Outcome, error) {
		out := run.Dated(s.Beside(p.Out))
		wh, err := s.OpenReader(ctx, false)
		if err != nil {
			return schedules.Outcome{}, err
		}
		note, err := export.Write(ctx, wh.DB(), out, export.Options{Kinds: kinds, Warehouse: s.DB, ReadFrom: wh.Path()})
		err = errors.Join(err, wh.Close())
		counts := map[string]int64{}
		for _, w := range note.Kinds {
			counts["rows_"+w.Kind] = w.Rows
			counts["files"] += int64(w.Files)
		}
		return schedules.Outcome{Message: "wrote " + out, Counts: counts}, err
	}, nil
}
