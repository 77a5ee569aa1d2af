package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// outWriter passes writes on to w until one fails, and then refuses every
// later write with the same error, so that a command need not check each
// write: run checks Err once the command returns. It is safe for use by
// more than one goroutine.
type outWriter struct {
	mu  sync.Mutex
	w   io.Writer
	err error
}

var _ io.Writer = (*outWriter)(nil)

func (o *outWriter) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.err != nil {
		return 0, o.err
	}
	n, err := o.w.Write(p)
	if err == nil && n < len(p) {
		err = io.ErrShortWrite
	}
	o.err = err
	return n, err
}

// Err returns the error of the first write that failed, or nil.
func (o *outWriter) Err() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.err
}

// printable returns s with each rune that is not printable written as a
// Go escape (\x1b, \n, \t, \u202e), and each byte that is not UTF-8 as
// \xff, so that text that came from a configuration can neither add rows
// or columns to a table nor send the terminal an escape sequence.
// Backslashes are left as they are, so that a Windows path reads as
// written. JSON and YAML need none of this: their encoders escape.
func printable(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case strconv.IsPrint(r):
			b.WriteString(s[i : i+size])
		default:
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		}
		i += size
	}
	return b.String()
}
