// Package reliability holds the cross-cutting proofs of docs/RELIABILITY.md:
// hostile extract files, SIGKILL during writes, privacy of every output, and
// concurrent load. It has no code of its own; its tests drive the same
// functions and the same enlist binary an operator runs, against real
// DuckDB files in temporary folders, and make every input they need.
package reliability
