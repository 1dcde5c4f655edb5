package analyst

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"strings"
)

// ErrRefused marks text the analysts' SQL will not run. Nothing of refused
// text has been executed.
var ErrRefused = errors.New("refused")

// Refusal says what was refused and why.
type Refusal struct {
	What string // "DROP TABLE", "table function read_csv", "FROM '/etc/passwd.csv'"
	Why  string
}

func (r *Refusal) Error() string {
	return fmt.Sprintf("refused %s: %s (nothing was run)", r.What, r.Why)
}

// Is lets callers test errors.Is(err, ErrRefused).
func (r *Refusal) Is(target error) bool { return target == ErrRefused }

const onlyQueries = "enlist sql runs read-only queries only (SELECT, WITH, FROM, VALUES, TABLE, DESCRIBE, SHOW, SUMMARIZE)"

// statementReasons explain, by a statement's first word, why it is refused.
var statementReasons = map[string]string{
	"INSERT": "it changes data", "UPDATE": "it changes data", "DELETE": "it changes data",
	"MERGE": "it changes data", "TRUNCATE": "it changes data", "UPSERT": "it changes data",
	"CREATE": "it changes the schema", "DROP": "it changes the schema", "ALTER": "it changes the schema",
	"COMMENT": "it changes the schema",
	"ATTACH":  "it opens another database or file", "DETACH": "it closes a database", "USE": "it switches databases",
	"COPY": "it reads or writes files", "EXPORT": "it writes files", "IMPORT": "it reads files",
	"INSTALL": "it installs extensions", "LOAD": "it loads extensions", "FORCE": "it installs extensions",
	"SET":        "it changes settings (only SET VARIABLE name = value is allowed)",
	"RESET":      "it changes settings",
	"PRAGMA":     "pragmas can change settings; read them with SELECT * FROM pragma_table_info('name') or enlist schema",
	"CALL":       "it runs a procedure; use SELECT * FROM function(…) for the allowed table functions",
	"CHECKPOINT": "it writes the database file", "VACUUM": "it writes the database file",
	"ANALYZE": "it writes statistics",
	"BEGIN":   "read-only queries need no transaction", "START": "read-only queries need no transaction",
	"COMMIT": "read-only queries need no transaction", "END": "read-only queries need no transaction",
	"ROLLBACK": "read-only queries need no transaction", "ABORT": "read-only queries need no transaction",
	"PREPARE": "prepared statements are not supported", "EXECUTE": "prepared statements are not supported",
	"DEALLOCATE": "prepared statements are not supported",
	"EXPLAIN":    "EXPLAIN is not supported here",
	"PIVOT":      "write it as a query: SELECT * FROM (PIVOT …)", "UNPIVOT": "write it as a query: SELECT * FROM (UNPIVOT …)",
}

// fileFunctions read or list files, run SQL text the check never sees, or
// write the database; they are refused by name (and the engine, opened
// without external access, would refuse the file ones anyway).
var fileFunctions = map[string]string{
	"read_csv": "it reads files", "read_csv_auto": "it reads files", "sniff_csv": "it reads files",
	"read_parquet": "it reads files", "parquet_scan": "it reads files", "parquet_metadata": "it reads files",
	"parquet_schema": "it reads files", "parquet_file_metadata": "it reads files", "parquet_kv_metadata": "it reads files",
	"parquet_bloom_probe": "it reads files",
	"read_json":           "it reads files", "read_json_auto": "it reads files", "read_json_objects": "it reads files",
	"read_json_objects_auto": "it reads files", "read_ndjson": "it reads files", "read_ndjson_auto": "it reads files",
	"read_ndjson_objects": "it reads files", "json_execute_serialized_sql": "it runs SQL text the check cannot see",
	"read_text": "it reads files", "read_blob": "it reads files", "glob": "it lists files",
	"sqlite_scan": "it reads files", "sqlite_query": "it reads files", "sqlite_attach": "it opens files",
	"read_xlsx": "it reads files", "iceberg_scan": "it reads files", "delta_scan": "it reads files",
	"read_duckdb": "it reads files",
	"getenv":      "it reads the server's environment",
	"query":       "it runs SQL text the check cannot see", "query_table": "it runs SQL the check cannot see",
	"checkpoint": "it writes the database file", "force_checkpoint": "it writes the database file",
	"nextval": "it changes a sequence", "setval": "it changes a sequence",
	"duckdb_secrets": "it lists secrets", "which_secret": "it looks up secrets",
	"write_log": "it writes the engine's log", "enable_logging": "it changes settings",
	"disable_logging": "it changes settings", "truncate_duckdb_logs": "it changes the engine's log",
}

// safeTableFunctions are the built-in table functions analysts may call,
// beside the warehouse's own table macros: generators and the catalog.
var safeTableFunctions = map[string]bool{
	"range": true, "generate_series": true, "unnest": true, "json_each": true, "json_tree": true,
	"duckdb_tables": true, "duckdb_views": true, "duckdb_columns": true, "duckdb_functions": true,
	"duckdb_constraints": true, "duckdb_schemas": true, "duckdb_types": true, "duckdb_keywords": true,
	"duckdb_databases": true, "duckdb_indexes": true, "duckdb_sequences": true, "duckdb_settings": true,
	"pragma_table_info": true, "pragma_show": true, "pragma_version": true, "pragma_database_size": true,
	"pragma_storage_info": true, "pragma_metadata_info": true, "pragma_collations": true,
	"pragma_functions": true, "pragma_user_agent": true, "pragma_platform": true,
	"repeat": true, "repeat_row": true, "histogram": true, "histogram_values": true, "duckdb_variables": true,
}

// queryer is what the check needs: one row from DuckDB's parser.
type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// check decides, without executing anything, whether text is exactly one
// query that reaches no file and calls nothing outside the allowed
// functions. tableMacros are the warehouse's own table macros.
//
// DuckDB's parser decides: json_serialize_sql parses the whole text and
// serialises it only when every statement in it is a SELECT; it executes
// nothing. (Preparing the text would execute every statement but the last.)
func check(ctx context.Context, q queryer, text string, tableMacros map[string]bool, refs map[string]bool) error {
	var raw string
	if err := q.QueryRowContext(ctx, `SELECT json_serialize_sql(?::VARCHAR)::VARCHAR`, text).Scan(&raw); err != nil {
		return fmt.Errorf("check query: %w", err)
	}
	var parsed struct {
		Error        bool              `json:"error"`
		ErrorType    string            `json:"error_type"`
		ErrorMessage string            `json:"error_message"`
		Statements   []json.RawMessage `json:"statements"`
	}
	if err := json.Unmarshal([]byte(raw), &parsed); err != nil {
		return fmt.Errorf("check query: read parser output: %w", err)
	}
	if parsed.Error {
		if parsed.ErrorType == "parser" {
			return fmt.Errorf("query: %s", parsed.ErrorMessage)
		}
		// Only a refusal needs the statements named; an accepted query is
		// never lexed.
		stmts := splitStatements(text)
		for i, s := range stmts {
			if s.selectLike() {
				continue
			}
			why, ok := statementReasons[s.words[0]]
			if !ok {
				why = onlyQueries
			} else {
				why += "; " + onlyQueries
			}
			what := s.label()
			if len(stmts) > 1 {
				what = fmt.Sprintf("%s (statement %d of %d)", what, i+1, len(stmts))
			}
			return &Refusal{What: what, Why: why}
		}
		return &Refusal{What: "this text", Why: onlyQueries + " (" + parsed.ErrorMessage + ")"}
	}
	switch n := len(parsed.Statements); {
	case n == 0:
		return errors.New("query: the text holds no statement")
	case n > 1:
		return &Refusal{What: fmt.Sprintf("%d statements", n), Why: "run one query at a time"}
	}
	var tree any
	if err := json.Unmarshal(parsed.Statements[0], &tree); err != nil {
		return fmt.Errorf("check query: read parser output: %w", err)
	}
	return walk(tree, tableMacros, refs)
}

// selectLike tells whether a statement starts the way a query does; it
// only picks which statement a refusal names.
func (s statement) selectLike() bool {
	switch s.words[0] {
	case "SELECT", "WITH", "FROM", "VALUES", "TABLE", "DESCRIBE", "DESC", "SHOW", "SUMMARIZE", "(":
		return true
	}
	return false
}

// walk visits every node of the parsed query and refuses file access and
// functions outside the allowed sets; it notes in refs (when not nil) the
// tables, views and table macros the query names.
func walk(v any, tableMacros map[string]bool, refs map[string]bool) error {
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			if err := walk(e, tableMacros, refs); err != nil {
				return err
			}
		}
	case map[string]any:
		typ, _ := x["type"].(string)
		switch typ {
		case "TABLE_FUNCTION":
			if fn, ok := x["function"].(map[string]any); ok {
				name := strings.ToLower(str(fn["function_name"]))
				if err := tableFunctionAllowed(name, str(fn["schema"]), tableMacros); err != nil {
					return err
				}
				if refs != nil {
					refs[name] = true
				}
				// Its arguments are expressions like any other.
				if err := walk(fn["children"], tableMacros, refs); err != nil {
					return err
				}
			}
			for k, e := range x {
				if k == "function" {
					continue
				}
				if err := walk(e, tableMacros, refs); err != nil {
					return err
				}
			}
			return nil
		case "BASE_TABLE", "SHOW_REF":
			name := str(x["table_name"])
			if looksLikeFile(name) {
				return &Refusal{What: fmt.Sprintf("FROM '%s'", name), Why: "reading files is not allowed; query the warehouse's tables and views"}
			}
			if refs != nil {
				refs[strings.ToLower(name)] = true
			}
		}
		if name, ok := x["function_name"].(string); ok {
			if why, bad := fileFunctions[strings.ToLower(name)]; bad {
				return &Refusal{What: "function " + name, Why: why}
			}
		}
		for _, e := range x {
			if err := walk(e, tableMacros, refs); err != nil {
				return err
			}
		}
	}
	return nil
}

// renamed are the models' former names, with what replaced each, so that
// a query saved before the rename says where its figures went instead of
// failing on an unknown name.
var renamed = map[string]string{
	"scores_at":       "metrics_at (the metrics view for any date, the bulletin's verdicts and ranks included)",
	"bulletin_at":     "metrics_at (the metrics view for any date: the bulletin's verdicts and ranks are its columns)",
	"metrics_pair_at": "counts_pair_at",
	"bulletin":        "metrics (the bulletin's verdicts and ranks are its columns)",
}

// renamedError is the error for a model's former name, or nil. A view's
// former name is only known to be one once DuckDB finds no such table (a
// query may name its own CTE bulletin): see withRenameHint.
func renamedError(name string) error {
	if now, ok := renamed[strings.ToLower(name)]; ok {
		return fmt.Errorf("%s was renamed: use %s; enlist schema lists every view and macro", name, now)
	}
	return nil
}

func tableFunctionAllowed(name, schema string, tableMacros map[string]bool) error {
	if why, bad := fileFunctions[name]; bad {
		return &Refusal{What: "table function " + name, Why: why}
	}
	if err := renamedError(name); err != nil && !tableMacros[name] {
		return err
	}
	if tableMacros[name] && (schema == "" || schema == "main") {
		return nil
	}
	if safeTableFunctions[name] && (schema == "" || schema == "main" || schema == "system") {
		return nil
	}
	return &Refusal{What: "table function " + name,
		Why: "analysts' SQL may call the warehouse's table macros (see enlist schema) and range, generate_series, unnest and the duckdb_* catalog functions only"}
}

// looksLikeFile tells a file name used as a table (FROM 'x.csv', a
// replacement scan) from a table or view name, which never holds a dot,
// slash or wildcard in this warehouse.
func looksLikeFile(name string) bool {
	if strings.ContainsAny(name, `/\*?:`) {
		return true
	}
	return path.Ext(name) != ""
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// withRenameHint adds to DuckDB's "Table with name bulletin does not exist"
// what the view is called now.
func withRenameHint(err error) error {
	msg := err.Error()
	for old := range renamed {
		if strings.Contains(msg, "Table with name "+old+" does not exist") {
			return fmt.Errorf("%w\n%s", err, renamedError(old))
		}
	}
	return err
}
