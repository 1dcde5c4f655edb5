package auth

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// ErrNoTerminal says standard input is not a terminal to ask on.
var ErrNoTerminal = errors.New("no terminal to ask for the password on")

// AskNewPassword asks for a new password for name twice on the terminal
// in, with echo off, and returns it when both agree.
//
// Written here rather than with golang.org/x/term's ReadPassword because
// that turns echo off only once the prompt is on the screen: whatever is
// typed (or pasted, or sent by a script) between the prompt and that call
// is echoed in the clear. Here echo is off before the first prompt shows
// and stays off until the second answer is read.
func AskNewPassword(in *os.File, prompts io.Writer, name string) (string, error) {
	fd := int(in.Fd())
	old, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return "", ErrNoTerminal
	}
	quiet := *old
	quiet.Lflag &^= unix.ECHO
	quiet.Lflag |= unix.ICANON | unix.ISIG
	quiet.Iflag |= unix.ICRNL
	if err := unix.IoctlSetTermios(fd, unix.TCSETS, &quiet); err != nil {
		return "", fmt.Errorf("turn echo off: %w", err)
	}
	defer unix.IoctlSetTermios(fd, unix.TCSETS, old) //nolint:errcheck // best effort: the shell resets it too

	ask := func(prompt string) (string, error) {
		fmt.Fprint(prompts, prompt)
		line, err := readLine(in)
		fmt.Fprintln(prompts)
		if err != nil {
			return "", fmt.Errorf("read password: %w", err)
		}
		return line, nil
	}
	pw, err := ask(fmt.Sprintf("password for %s (at least %d characters): ", strings.ToLower(name), MinPasswordLen))
	if err != nil {
		return "", err
	}
	again, err := ask("the same again: ")
	if err != nil {
		return "", err
	}
	if pw != again {
		return "", errors.New("the two passwords differ; nothing was changed")
	}
	return pw, nil
}

// readLine reads one byte at a time so that nothing typed after the line
// (the second answer, typed ahead) is taken with it.
func readLine(in io.Reader) (string, error) {
	var line []byte
	b := make([]byte, 1)
	for len(line) < 4096 {
		n, err := in.Read(b)
		if n == 1 {
			switch b[0] {
			case '\n':
				return strings.TrimSuffix(string(line), "\r"), nil
			case '\b', 0x7f:
				// ICANON handles erase itself; keep these out if a
				// terminal passes them through anyway.
				if len(line) > 0 {
					line = line[:len(line)-1]
				}
				continue
			}
			line = append(line, b[0])
		}
		if err == io.EOF && len(line) > 0 {
			return string(line), nil
		}
		if err != nil {
			return "", err
		}
	}
	return "", errors.New("longer than 4096 bytes")
}
