package read

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"
)

// tagScanner walks the start and end tags of an XML stream without building
// a tree, and decodes the text between them only when asked (text). It is
// hand-written because a sheet is the one large thing read from a
// workbook, and a general decoder costs several times the work: encoding/xml
// (under excelize's row iterator, which read sheets before) allocates a
// token, a name and a slice of attributes for every element and copies
// every text, and a sheet needs none of that — a handful of element names
// (row, c, v, is, t, mergeCell) whose attributes need no entity decoding.
// Reading a 10,000-row sheet this way takes a fifth of the time and a
// thirteenth of the memory (docs/BENCHMARKS.md). It reads the sheets, the
// shared strings and the style table; the small parts (workbook,
// relationships) go through encoding/xml.
type tagScanner struct {
	src    io.Reader
	buf    []byte
	lo, hi int
	eof    bool
	err    error

	// The current tag.
	local []byte // local name, without prefix
	end   bool   // </name>
	empty bool   // <name/>: no content follows
	attrs []byte // raw text after the name
}

// maxTagBytes bounds one tag; a worksheet tag is a few dozen bytes.
const maxTagBytes = 1 << 20

var errTagTooLarge = fmt.Errorf("%w: an XML tag longer than %d KiB", ErrTooLarge, maxTagBytes>>10)

func newTagScanner(src io.Reader) *tagScanner {
	return &tagScanner{src: src, buf: make([]byte, 64<<10)}
}

// newBytesScanner scans XML already in memory, without copying it.
func newBytesScanner(data []byte) *tagScanner {
	return &tagScanner{buf: data, hi: len(data), eof: true}
}

// fill reads more input, keeping buf[lo:hi]. It reports false at the end
// of input or on error.
func (s *tagScanner) fill() bool {
	if s.eof || s.err != nil {
		return false
	}
	if s.lo > 0 {
		copy(s.buf, s.buf[s.lo:s.hi])
		s.hi -= s.lo
		s.lo = 0
	}
	if s.hi == len(s.buf) {
		if len(s.buf) >= maxTagBytes {
			s.err = errTagTooLarge
			return false
		}
		nb := make([]byte, 2*len(s.buf))
		copy(nb, s.buf[:s.hi])
		s.buf = nb
	}
	n, err := s.src.Read(s.buf[s.hi:])
	s.hi += n
	if err == io.EOF {
		s.eof = true
	} else if err != nil {
		s.err = err
	}
	return n > 0 || (!s.eof && s.err == nil)
}

// skipPast discards input up to and including term.
func (s *tagScanner) skipPast(term []byte) bool {
	for {
		if i := bytes.Index(s.buf[s.lo:s.hi], term); i >= 0 {
			s.lo += i + len(term)
			return true
		}
		if keep := len(term) - 1; s.hi-s.lo > keep {
			s.lo = s.hi - keep
		}
		if !s.fill() {
			return false
		}
	}
}

// next advances to the next start or end tag (a self-closing tag counts as
// a start tag), skipping text, comments, CDATA, processing instructions and
// declarations. It reports false at the end of input or on error (see Err).
func (s *tagScanner) next() bool {
	for {
		i := bytes.IndexByte(s.buf[s.lo:s.hi], '<')
		if i < 0 {
			s.lo = s.hi
			if !s.fill() {
				return false
			}
			continue
		}
		s.lo += i
		// Comments and CDATA may hold '<' and '>', and may be long: skip
		// them by their terminators, without holding them in the buffer.
		for s.hi-s.lo < 9 && s.fill() {
		}
		rest := s.buf[s.lo:s.hi]
		switch {
		case bytes.HasPrefix(rest, []byte("<!--")):
			s.lo += 4
			if !s.skipPast([]byte("-->")) {
				return false
			}
			continue
		case bytes.HasPrefix(rest, []byte("<![CDATA[")):
			s.lo += 9
			if !s.skipPast([]byte("]]>")) {
				return false
			}
			continue
		}
		end, ok := s.tagEnd()
		for !ok {
			if !s.fill() {
				return false
			}
			end, ok = s.tagEnd()
		}
		tag := s.buf[s.lo+1 : end] // between '<' and '>'
		s.lo = end + 1
		if len(tag) == 0 || tag[0] == '!' || tag[0] == '?' {
			continue
		}
		s.end = tag[0] == '/'
		if s.end {
			tag = tag[1:]
		}
		if len(tag) == 0 {
			continue
		}
		s.empty = !s.end && tag[len(tag)-1] == '/'
		n := 0
		for n < len(tag) && !isXMLSpace(tag[n]) && tag[n] != '/' {
			n++
		}
		name := tag[:n]
		if c := bytes.LastIndexByte(name, ':'); c >= 0 {
			name = name[c+1:]
		}
		s.local, s.attrs = name, tag[n:]
		return true
	}
}

// tagEnd finds the '>' closing the tag at buf[lo], skipping quoted
// attribute values, which may contain '>'.
func (s *tagScanner) tagEnd() (int, bool) {
	var quote byte
	for i := s.lo + 1; i < s.hi; i++ {
		c := s.buf[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '>':
			return i, true
		}
	}
	return 0, false
}

// Err is the error that stopped the scanner, nil at a clean end of input.
func (s *tagScanner) Err() error { return s.err }

func (s *tagScanner) is(local string) bool { return string(s.local) == local }

// attr returns the value of the unprefixed attribute name of the current
// tag. Values are returned raw: the attributes read here (r, s, t, ref)
// never need entity decoding.
func (s *tagScanner) attr(name string) ([]byte, bool) {
	a := s.attrs
	for {
		for len(a) > 0 && isXMLSpace(a[0]) {
			a = a[1:]
		}
		eq := bytes.IndexByte(a, '=')
		if eq < 0 {
			return nil, false
		}
		key := bytes.TrimRight(a[:eq], " \t\r\n")
		a = bytes.TrimLeft(a[eq+1:], " \t\r\n")
		if len(a) == 0 || (a[0] != '"' && a[0] != '\'') {
			return nil, false
		}
		q := a[0]
		close := bytes.IndexByte(a[1:], q)
		if close < 0 {
			return nil, false
		}
		val := a[1 : 1+close]
		a = a[2+close:]
		if string(key) == name {
			return val, true
		}
	}
}

// text appends to dst the character data from the scanner's position up to
// the next tag, decoded as encoding/xml decodes it: the five named entities
// and character references replaced, CDATA sections taken as they are,
// comments and processing instructions left out, and line ends (\r\n, \r)
// read as \n. It appends at most limit bytes and reports how many the text
// holds in all, so that a hostile cell of a gigabyte costs a count, not
// the memory. The tag that ends the text is left for next.
func (s *tagScanner) text(dst []byte, limit int) ([]byte, int) {
	n := 0
	add := func(p []byte) {
		n += len(p)
		if room := limit - len(dst); room > 0 {
			dst = append(dst, p[:min(len(p), room)]...)
		}
	}
	for {
		if s.lo == s.hi && !s.fill() {
			return dst, n
		}
		b := s.buf[s.lo:s.hi]
		i := bytes.IndexAny(b, "<&\r")
		if i < 0 {
			add(b)
			s.lo = s.hi
			continue
		}
		add(b[:i])
		s.lo += i
		switch b[i] {
		case '\r':
			for s.hi-s.lo < 2 && s.fill() {
			}
			s.lo++
			if s.lo < s.hi && s.buf[s.lo] == '\n' {
				s.lo++
			}
			add(newline)
		case '&':
			for s.hi-s.lo < maxEntityBytes && s.fill() {
			}
			var ref [utf8.UTFMax]byte
			if r, w := entity(s.buf[s.lo:s.hi]); w > 0 {
				add(ref[:utf8.EncodeRune(ref[:], r)])
				s.lo += w
			} else {
				// Not a reference encoding/xml would accept: kept as written.
				add(s.buf[s.lo : s.lo+1])
				s.lo++
			}
		case '<':
			for s.hi-s.lo < 9 && s.fill() {
			}
			rest := s.buf[s.lo:s.hi]
			switch {
			case bytes.HasPrefix(rest, []byte("<![CDATA[")):
				s.lo += 9
				if !s.cdata(add) {
					return dst, n
				}
			case bytes.HasPrefix(rest, []byte("<!--")):
				s.lo += 4
				if !s.skipPast([]byte("-->")) {
					return dst, n
				}
			case bytes.HasPrefix(rest, []byte("<?")):
				s.lo += 2
				if !s.skipPast([]byte("?>")) {
					return dst, n
				}
			default:
				return dst, n
			}
		}
	}
}

var newline = []byte{'\n'}

// cdata passes the rest of a CDATA section to add, line ends read as \n;
// false if the input ends first.
func (s *tagScanner) cdata(add func([]byte)) bool {
	for {
		b := s.buf[s.lo:s.hi]
		end := bytes.Index(b, []byte("]]>"))
		if end >= 0 {
			b = b[:end]
		} else if len(b) > 2 {
			// Hold back what could start the terminator, and a \r whose
			// \n may come with the next read.
			b = b[:len(b)-2]
			if b[len(b)-1] == '\r' {
				b = b[:len(b)-1]
			}
		} else {
			b = b[:0]
		}
		consumed := len(b)
		for len(b) > 0 {
			i := bytes.IndexByte(b, '\r')
			if i < 0 {
				add(b)
				break
			}
			add(b[:i])
			add(newline)
			b = b[i+1:]
			if len(b) > 0 && b[0] == '\n' {
				b = b[1:]
			}
		}
		s.lo += consumed
		if end >= 0 {
			s.lo += 3
			return true
		}
		if !s.fill() {
			return false
		}
	}
}

// maxEntityBytes is the longest reference read: &#x10FFFF; with a few
// leading zeros.
const maxEntityBytes = 16

// entity decodes the reference at the start of b (which starts with '&'):
// the rune and the bytes it takes, or 0 bytes if it is none.
func entity(b []byte) (rune, int) {
	end := bytes.IndexByte(b[:min(len(b), maxEntityBytes)], ';')
	if end < 2 {
		return 0, 0
	}
	name := b[1:end]
	switch string(name) {
	case "lt":
		return '<', end + 1
	case "gt":
		return '>', end + 1
	case "amp":
		return '&', end + 1
	case "apos":
		return '\'', end + 1
	case "quot":
		return '"', end + 1
	}
	if name[0] != '#' || len(name) < 2 {
		return 0, 0
	}
	digits, base := name[1:], 10
	if digits[0] == 'x' {
		digits, base = digits[1:], 16
	}
	if len(digits) == 0 {
		return 0, 0
	}
	v, err := strconv.ParseUint(string(digits), base, 32)
	if err != nil || v == 0 || !utf8.ValidRune(rune(v)) {
		return 0, 0
	}
	return rune(v), end + 1
}

func isXMLSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// parseCellRef splits "AB12" into column 28 and row 12. Either part may be
// absent (column 0 or row 0); ok is false for anything else.
func parseCellRef(ref []byte) (col, row int, ok bool) {
	i := 0
	for i < len(ref) && i < 4 {
		c := ref[i] | 0x20 // lower-case
		if c < 'a' || c > 'z' {
			break
		}
		col = col*26 + int(c-'a'+1)
		i++
	}
	if col > 16384 {
		return 0, 0, false
	}
	for ; i < len(ref); i++ {
		c := ref[i]
		if c < '0' || c > '9' || row > 1<<24 {
			return 0, 0, false
		}
		row = row*10 + int(c-'0')
	}
	return col, row, i == len(ref)
}
