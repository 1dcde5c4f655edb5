// Package synth writes deterministic synthetic extracts for one province and
// year: the quota, registration, exam, approval and resettlement files a
// conscription office would drop into the inbox (SPEC §2–§5), clean or with
// the defects and file shapes real offices send, and a manifest saying exactly
// which defects were injected where so tests can compare reject counts.
//
// Same options and seed give byte-identical files.
package synth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"enlist/internal/regions"
)

// Options say what to generate.
type Options struct {
	Province      string  `json:"province"` // 2-digit code, e.g. "41"
	Year          int     `json:"year"`
	Registrations int     `json:"registrations"` // clean registrations across both seasons; defect rows come on top
	Seed          int64   `json:"seed"`
	Messy         float64 `json:"messy"` // 0..1: share of files in odd shapes; bad rows are Messy×5 % of rows
	Out           string  `json:"-"`     // output folder (created); not in manifest.json, which lives there
	// PriorYears also writes that many earlier years, each in its own
	// folder Out/YEAR with its own manifest (another cohort, the same
	// size), so same-season-last-year comparisons have something to show.
	PriorYears int `json:"prior_years,omitempty"`
}

// Kinds of extract (SPEC §4).
const (
	kindQuotas        = "quotas"
	kindRegistrations = "registrations"
	kindExams         = "exams"
	kindApprovals     = "approvals"
	kindResettlement  = "resettlement"
)

// Exam types.
const (
	examPhysical    = "physical"
	examPolitical   = "political"
	examPretraining = "pretraining"
)

// Defect kinds recorded in File.Defects. Each bad row carries exactly one.
const (
	DefectBadIDCheck       = "bad_id_check"      // 18 characters, wrong check character: reject
	DefectBadIDLength      = "bad_id_length"     // 17 or 19 characters: reject
	DefectBadDate          = "bad_date"          // the required date does not parse: reject
	DefectDuplicate        = "duplicate"         // exact re-send of an earlier valid row of the same file: reject
	DefectBadEnum          = "bad_enum"          // unknown spelling in an enumerated column: reject
	DefectAgeRule          = "age_rule"          // registration outside the age rule: kept, flagged
	DefectOrphan           = "orphan"            // exam or approval of a person registered nowhere: kept, flagged
	DefectUnapprovedDouble = "unapproved_double" // approval without a passed physical and political exam: kept, flagged
	DefectTwoRegions       = "two_regions"       // second registration of a person in another city's county, same season: kept, flagged
)

// AllDefects lists every defect kind, in a stable order.
var AllDefects = []string{
	DefectBadIDCheck, DefectBadIDLength, DefectBadDate, DefectDuplicate, DefectBadEnum,
	DefectAgeRule, DefectOrphan, DefectUnapprovedDouble, DefectTwoRegions,
}

// File describes one written extract.
//
// Defects count injected rows. A two_regions count sits on the file holding
// the second registration; the first one, in another city's file, is an
// ordinary valid row. Orphan approvals come with passed orphan exam rows so
// they are orphans and nothing else; those exam rows count as orphans of
// their exam files.
type File struct {
	Path     string         `json:"path"`      // relative to Out, slash-separated
	Kind     string         `json:"kind"`      // quotas | registrations | exams | approvals | resettlement
	ExamType string         `json:"exam_type"` // physical | political | pretraining for exams, "" otherwise
	Format   string         `json:"format"`    // csv | xlsx
	Encoding string         `json:"encoding"`  // utf-8 | utf-8-bom | gb18030 (csv only)
	Rows     int            `json:"rows"`      // data rows written (not title, header, total or footer lines)
	Defects  map[string]int `json:"defects"`   // injected bad rows by defect kind
	Title    string         `json:"title"`     // the title row text, "" when none

	Region          string   `json:"region"`            // city code (province code for quotas)
	Year            int      `json:"year"`              // Options.Year
	Season          int      `json:"season"`            // 1 or 2; 0 for quotas and resettlement
	Columns         []string `json:"columns"`           // canonical column names in file order
	Headers         string   `json:"headers"`           // canonical | alternative | english
	Values          string   `json:"values"`            // canonical | alternative | english
	Results         string   `json:"results,omitempty"` // exams: canonical | passed | yes_no | english
	Dates           string   `json:"dates"`             // iso | slash | chinese | compact | excel_date | excel_serial
	Sheet           string   `json:"sheet,omitempty"`   // xlsx sheet name
	HeaderRows      int      `json:"header_rows"`       // 1, or 2 for a two-row merged header
	TotalRow        bool     `json:"total_row"`         // a 合计 row follows the data
	Footer          bool     `json:"footer"`            // a 填表人/审核人/填表日期 line ends the sheet
	ExamTypeImplied bool     `json:"exam_type_implied"` // exams without an exam_type column: the title names the type
	// Reexams counts people with a failed exam and a later pass in this
	// file: the same person twice, on different days with different
	// results, which is a re-examination and not a duplicate.
	Reexams int `json:"reexams,omitempty"`
}

// Totals are what the clean rows of one season add up to for the province,
// before any defect row, with the metric definitions of SPEC §7 (latest exam
// result per person).
type Totals struct {
	Season            int `json:"season"`
	Quota             int `json:"quota"`        // the general (男兵) quota
	FemaleQuota       int `json:"female_quota"` // the counties' female (女兵) quotas
	Registered        int `json:"registered"`
	Applied           int `json:"applied"`
	PhysicalExamined  int `json:"physical_examined"`
	PhysicalPassed    int `json:"physical_passed"`
	PoliticalReviewed int `json:"political_reviewed"`
	PoliticalPassed   int `json:"political_passed"`
	DoubleQualified   int `json:"double_qualified"`
	Approved          int `json:"approved"`
	ApprovedCollege   int `json:"approved_college"`
	Returned          int `json:"returned"`
}

// Manifest is written to Out/manifest.json.
type Manifest struct {
	Options  Options  `json:"options"`
	Files    []File   `json:"files"`
	People   int      `json:"people"` // distinct people with a valid registration (clean ones and age-rule outliers)
	Seasons  []Totals `json:"seasons"`
	Veterans int      `json:"veterans"` // clean resettlement rows
}

// ErrOptions marks options that cannot be generated.
var ErrOptions = errors.New("synth: invalid options")

// Generate writes the extracts and Out/manifest.json. progress, when not nil,
// is called with registrations generated so far and the total.
func Generate(ctx context.Context, opt Options, tab *regions.Table, progress func(done, total int)) (Manifest, error) {
	if err := validate(opt, tab); err != nil {
		return Manifest{}, err
	}
	for k := 1; k <= opt.PriorYears; k++ {
		prior := opt
		prior.PriorYears = 0
		prior.Year = opt.Year - k
		prior.Seed = opt.Seed + int64(k)*7919
		prior.Out = filepath.Join(opt.Out, fmt.Sprint(prior.Year))
		if _, err := Generate(ctx, prior, tab, nil); err != nil {
			return Manifest{}, fmt.Errorf("synth year %d: %w", prior.Year, err)
		}
	}
	g, err := newGenerator(opt, tab, progress)
	if err != nil {
		return Manifest{}, err
	}
	if err := os.MkdirAll(opt.Out, 0o755); err != nil {
		return Manifest{}, fmt.Errorf("synth: create output folder: %w", err)
	}
	for ci := range g.cities {
		for season := 1; season <= 2; season++ {
			if err := ctx.Err(); err != nil {
				return Manifest{}, fmt.Errorf("synth: %w", err)
			}
			if err := g.citySeason(ctx, ci, season); err != nil {
				return Manifest{}, fmt.Errorf("synth %s season %d: %w", g.cities[ci].code, season, err)
			}
		}
		if err := g.resettlement(ctx, ci); err != nil {
			return Manifest{}, fmt.Errorf("synth %s resettlement: %w", g.cities[ci].code, err)
		}
	}
	if err := g.quotas(); err != nil {
		return Manifest{}, fmt.Errorf("synth quotas: %w", err)
	}
	if err := g.writeSchools(ctx); err != nil {
		return Manifest{}, fmt.Errorf("synth universities: %w", err)
	}
	m := g.manifest()
	if err := writeManifest(filepath.Join(opt.Out, "manifest.json"), m); err != nil {
		return Manifest{}, err
	}
	if progress != nil {
		progress(opt.Registrations, opt.Registrations)
	}
	return m, nil
}

func validate(opt Options, tab *regions.Table) error {
	switch {
	case tab == nil:
		return fmt.Errorf("%w: no region table", ErrOptions)
	case len(opt.Province) != 2:
		return fmt.Errorf("%w: province %q is not a 2-digit code", ErrOptions, opt.Province)
	case opt.Year < 1950 || opt.Year > 2200:
		return fmt.Errorf("%w: year %d out of range", ErrOptions, opt.Year)
	case opt.Registrations < 0:
		return fmt.Errorf("%w: negative registrations", ErrOptions)
	case opt.PriorYears < 0 || opt.PriorYears > 9:
		return fmt.Errorf("%w: prior years %d is not within 0..9", ErrOptions, opt.PriorYears)
	case opt.Messy < 0 || opt.Messy > 1:
		return fmt.Errorf("%w: messy %v is not within 0..1", ErrOptions, opt.Messy)
	case opt.Out == "":
		return fmt.Errorf("%w: no output folder", ErrOptions)
	}
	if r, ok := tab.Lookup(opt.Province); !ok || r.Level != regions.Province {
		return fmt.Errorf("%w: %s is not a province of the region table", ErrOptions, opt.Province)
	}
	return nil
}

func writeManifest(path string, m Manifest) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("synth: encode manifest: %w", err)
	}
	b = append(b, '\n')
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return fmt.Errorf("synth: write manifest: %w", err)
	}
	return nil
}
