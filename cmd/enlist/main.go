// Command enlist loads conscription extracts into a DuckDB warehouse and
// reports on them. This file routes the command line to library functions;
// the work itself lives in pipelines/, sql/, reports/ and schedules/.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"enlist/internal/warehouse"
)

// Exit statuses: 0 success, 1 failure, 2 usage error.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

// errUsage marks an error as the user's command line being wrong.
var errUsage = errors.New("usage")

// usageIf returns err, or a usage error saying msg when err is nil.
func usageIf(err error, msg string) error {
	if err != nil {
		return err
	}
	return fmt.Errorf("%w: %s", errUsage, msg)
}

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env *env, args []string) error
}

func commands() []command {
	return []command{
		{"init", "create the warehouse and the pseudonymisation secret", runInit},
		{"ingest", "load extract files and folders into the warehouse", runIngest},
		{"check", "read, map and validate extracts as ingest would, storing nothing", runCheck},
		{"status", "show the load ledger and rejects and flags by reason", runStatus},
		{"withdraw", "take a wrong load back out, keeping who, when and why", runWithdraw},
		{"metrics", "print the metrics of a region and its descendants", runMetrics},
		{"report", "write the weekly bulletin (XLSX and HTML) or the data-quality report", runReport},
		{"sql", "run a read-only SQL query (or a prompt) on the published warehouse", runSQL},
		{"schema", "the data dictionary: tables, views, columns and their comments", runSchema},
		{"serve", "run the scheduled jobs (schedules/*.yaml) until stopped", runServe},
		{"run", "run one scheduled job now, recorded like a scheduled run", runRun},
		{"jobs", "list scheduled jobs, their next run and their last runs", runJobs},
		{"user", "manage the web console's accounts and API tokens", runUser},
		{"rollup", "consolidate county and city warehouses or extract folders into the province's", runRollup},
		{"export", "write the curated tables as Hive-partitioned Parquet", runExport},
		{"gen", "generate realistic synthetic extracts for a province", runGen},
		{"demo", "generate a province, load it, and summarise", runDemo},
		{"bench", "measure ingest, the weekly cycle and the bulletin against DuckDB and pandas", runBench},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	e := newEnv(stdout, stderr)
	global := flag.NewFlagSet("enlist", flag.ContinueOnError)
	global.SetOutput(io.Discard)
	e.globalFlags(global)
	if err := global.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			usage(stdout)
			return exitOK
		}
		fmt.Fprintf(stderr, "enlist: %v\n\n", err)
		usage(stderr)
		return exitUsage
	}
	rest := global.Args()
	if len(rest) == 0 {
		usage(stderr)
		return exitUsage
	}
	name := rest[0]
	if name == "help" {
		if len(rest) > 1 {
			return run(ctx, []string{rest[1], "--help"}, stdout, stderr)
		}
		usage(stdout)
		return exitOK
	}
	for _, c := range commands() {
		if c.name != name {
			continue
		}
		err := c.run(ctx, e, rest[1:])
		switch {
		case err == nil:
			return exitOK
		case errors.Is(err, flag.ErrHelp):
			return exitOK
		case ctx.Err() != nil && errors.Is(err, context.Canceled):
			// Ctrl-C or SIGTERM: the cause is the user's, not the
			// "context canceled" and DuckDB "INTERRUPT" each layer adds
			// as it stops. What was stored before stays (ingest lists
			// those files); what was cut off is undone with its
			// transaction.
			fmt.Fprintf(stderr, "enlist %s: interrupted before it finished\n", name)
			return exitFailure
		case errors.Is(err, errUsage):
			if msg := strings.TrimSpace(strings.TrimPrefix(err.Error(), errUsage.Error()+":")); msg != "" && msg != errUsage.Error() {
				fmt.Fprintf(stderr, "enlist %s: %s\n", name, msg)
			}
			fmt.Fprintf(stderr, "Run 'enlist %s --help' for usage.\n", name)
			return exitUsage
		default:
			fmt.Fprintf(stderr, "enlist %s: %v\n", name, warehouse.InPeoplesTerms(err))
			return exitFailure
		}
	}
	fmt.Fprintf(stderr, "enlist: unknown command %q\n\n", name)
	usage(stderr)
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprint(w, `enlist — conscription data warehouse and reports (征兵数据仓库与周通报)

Usage:
  enlist [--db PATH] COMMAND [FLAGS] [ARGS]

Commands:
`)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, `
Global flags (also accepted after the command):
  --db PATH            warehouse file (default ./enlist.duckdb, env ENLIST_DB)
  --secret-file PATH   pseudonymisation secret file (default: env
                       ENLIST_SECRET_FILE, else beside the warehouse with
                       .secret for .duckdb: enlist.secret for enlist.duckdb);
                       env ENLIST_SECRET, the secret itself, overrides both
  --config PATH        season windows, targets, score weights (default:
                       enlist.yaml beside the warehouse, else built-in)
  --threads N          DuckDB threads (default: every core up to 4)
  --memory-limit SIZE  DuckDB memory limit, e.g. 4GB (default 1GB)
  --go-memory-limit SIZE  soft limit of the Go heap, or off (default 512MiB)
                       (also ENLIST_THREADS, ENLIST_MEMORY_LIMIT,
                       ENLIST_GO_MEMORY_LIMIT and resources: in enlist.yaml)

Examples:
  enlist demo                                  # generate a province, load it, summarise
  enlist init
  enlist ingest inbox/                         # every CSV and XLSX under inbox/
  enlist ingest --kind exams --exam-type physical --year 2025 --season 1 体检.xlsx
  enlist status
  enlist report weekly --scope 41 --as-of 2025-08-31   # the province's 周通报, XLSX and HTML
  enlist sql --var as_of=2025-08-31 --var year=2025 --var season=2 \
      "SELECT region_name, quota_completion FROM metrics WHERE parent_code = '41'"
  enlist serve --schedules schedules/                # cron: inbox, bulletin, rollup
  enlist rollup --into henan.duckdb zhengzhou.duckdb luoyang.duckdb

Run 'enlist COMMAND --help' for a command's flags.
`)
}

// isTerminal asks the terminal driver, since /dev/null is a character
// device too: `enlist sql </dev/null` from cron is not a person typing.
func isTerminal(f *os.File) bool {
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}
