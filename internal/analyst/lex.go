package analyst

import (
	"strings"
	"unicode"
)

// statement is one piece of the analyst's text as far as a light lexer can
// tell: its leading words, upper-cased. The lexer only names what is
// refused in messages; whether text is one harmless query is decided by
// DuckDB's own parser (json_serialize_sql), never by this.
type statement struct {
	words []string // upper-cased
	raw   []string // as typed
	text  string
}

// label is how a refusal names the statement: "DROP TABLE", "INSERT",
// "CREATE VIEW", "SET threads".
func (s statement) label() string {
	if len(s.words) == 0 {
		return ""
	}
	first := s.words[0]
	switch first {
	case "CREATE":
		for _, w := range s.words[1:] {
			switch w {
			case "OR", "REPLACE", "TEMP", "TEMPORARY", "PERSISTENT", "UNIQUE", "IF", "NOT", "EXISTS":
				continue
			}
			return first + " " + w
		}
	case "SET", "RESET":
		// The setting's name as the analyst typed it.
		if len(s.words) > 1 {
			return first + " " + s.raw[1]
		}
	case "DROP", "ALTER", "COMMENT", "FORCE", "EXPORT", "IMPORT", "START":
		if len(s.words) > 1 {
			if first == "COMMENT" && s.words[1] == "ON" && len(s.words) > 2 {
				return "COMMENT ON " + s.words[2]
			}
			return first + " " + s.words[1]
		}
	}
	return first
}

// splitStatements cuts text at semicolons outside strings, quoted names,
// dollar quotes and comments, and drops pieces that hold only blanks and
// comments.
func splitStatements(text string) []statement {
	out, _ := scan(text)
	return out
}

// Complete tells whether typed text ends a query: a semicolon outside any
// string or comment with only blanks and comments after it. The
// interactive prompt runs the text when it is.
func Complete(text string) bool {
	stmts, l := scan(text)
	return len(stmts) > 0 && l.semicolonLast && !l.open
}

// Pending tells whether text holds anything but blanks and comments.
func Pending(text string) bool {
	stmts, _ := scan(text)
	return len(stmts) > 0
}

// lexEnd is how the text ends.
type lexEnd struct {
	semicolonLast bool // no word after the last semicolon
	open          bool // a string, quoted name or comment is not closed
}

func scan(text string) ([]statement, lexEnd) {
	var out []statement
	var end lexEnd
	cur := statement{}
	start := 0
	word := func(w string) {
		if len(cur.words) < 8 {
			cur.words = append(cur.words, strings.ToUpper(w))
			cur.raw = append(cur.raw, w)
		}
	}
	flush := func(at int) {
		if len(cur.words) > 0 {
			cur.text = strings.TrimSpace(text[start:at])
			out = append(out, cur)
		}
		cur = statement{}
		start = at + 1
	}
	open := false
	// closed notes whether the token ending at j was closed.
	closed := func(j int, ok bool) int {
		open = open || !ok
		return j
	}
	i := 0
	for i < len(text) {
		c := text[i]
		switch {
		case c == ';':
			flush(i)
			end.semicolonLast = true
			i++
		case c == '-' && strings.HasPrefix(text[i:], "--"):
			j := strings.IndexByte(text[i:], '\n')
			if j < 0 {
				i = len(text)
			} else {
				i += j + 1
			}
		case c == '/' && strings.HasPrefix(text[i:], "/*"):
			i = closed(skipBlockComment(text, i))
		case c == '\'':
			i = closed(skipQuoted(text, i, '\'', false))
			word("'")
		case (c == 'e' || c == 'E') && i+1 < len(text) && text[i+1] == '\'':
			i = closed(skipQuoted(text, i+1, '\'', true))
			word("'")
		case c == '"':
			j := closed(skipQuoted(text, i, '"', false))
			word(strings.ReplaceAll(text[i+1:max(i+1, j-1)], `""`, `"`))
			i = j
		case c == '$':
			i = closed(skipDollar(text, i))
			word("$")
		case c == '_' || c < 0x80 && unicode.IsLetter(rune(c)):
			j := i
			for j < len(text) && (text[j] == '_' || text[j] < 0x80 && (unicode.IsLetter(rune(text[j])) || unicode.IsDigit(rune(text[j])))) {
				j++
			}
			word(text[i:j])
			i = j
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		default:
			word(string(c))
			i++
		}
	}
	if len(cur.words) > 0 {
		end.semicolonLast = false
	}
	end.open = open
	flush(len(text))
	return out, end
}

// skipBlockComment returns the index after the comment starting at i;
// DuckDB's parser (from PostgreSQL) nests block comments.
func skipBlockComment(text string, i int) (int, bool) {
	depth := 0
	for i < len(text) {
		switch {
		case strings.HasPrefix(text[i:], "/*"):
			depth++
			i += 2
		case strings.HasPrefix(text[i:], "*/"):
			depth--
			i += 2
			if depth == 0 {
				return i, true
			}
		default:
			i++
		}
	}
	return i, false
}

// skipQuoted returns the index after the quoted token starting at i; a
// doubled quote is part of it, and in E'…' strings so is an escaped one.
func skipQuoted(text string, i int, q byte, backslash bool) (int, bool) {
	i++
	for i < len(text) {
		switch {
		case backslash && text[i] == '\\':
			i += 2
		case text[i] == q && i+1 < len(text) && text[i+1] == q:
			i += 2
		case text[i] == q:
			return i + 1, true
		default:
			i++
		}
	}
	return len(text), false
}

// skipDollar skips $tag$…$tag$ strings; a $ not starting one ($1, a
// parameter) is a single character.
func skipDollar(text string, i int) (int, bool) {
	j := i + 1
	for j < len(text) && (text[j] == '_' || text[j] < 0x80 && unicode.IsLetter(rune(text[j])) || j > i+1 && text[j] >= '0' && text[j] <= '9') {
		j++
	}
	if j >= len(text) || text[j] != '$' {
		return i + 1, true
	}
	tag := text[i : j+1]
	end := strings.Index(text[j+1:], tag)
	if end < 0 {
		return len(text), false
	}
	return j + 1 + end + len(tag), true
}
