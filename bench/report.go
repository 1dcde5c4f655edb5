package bench

import (
	"encoding/json"
	"fmt"
	"os"
)

// WriteJSON writes a report (Report, ConsoleReport) as indented JSON to
// path, for tools that compare runs.
func WriteJSON(path string, rep any) error {
	b, err := json.MarshalIndent(rep, "", "  ")
	if err == nil {
		err = os.WriteFile(path, append(b, '\n'), 0o644)
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// DefaultPython is the interpreter the peer runs under: Debian's pandas
// and openpyxl live under the system interpreter, which need not be the
// first python3 on PATH.
func DefaultPython() string {
	if _, err := os.Stat("/usr/bin/python3"); err == nil {
		return "/usr/bin/python3"
	}
	return "python3"
}
