package read

import (
	"bytes"
	"fmt"
	"io"
)

// tagScanner walks the start and end tags of an XML stream without decoding
// text or building a tree. Worksheet XML is read twice more beside
// excelize's own decoder (merged ranges, which Excel stores after the cell
// data, and the style of each cell, which excelize's row iterator does not
// report); encoding/xml would cost as much again as excelize, this costs a
// few percent.
type tagScanner struct {
	src    io.Reader
	buf    []byte
	lo, hi int
	eof    bool
	err    error

	// The current tag.
	local []byte // local name, without prefix
	end   bool   // </name>
	attrs []byte // raw text after the name
}

// maxTagBytes bounds one tag; a worksheet tag is a few dozen bytes.
const maxTagBytes = 1 << 20

var errTagTooLarge = fmt.Errorf("%w: an XML tag longer than %d KiB", ErrTooLarge, maxTagBytes>>10)

func newTagScanner(src io.Reader) *tagScanner {
	return &tagScanner{src: src, buf: make([]byte, 64<<10)}
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
