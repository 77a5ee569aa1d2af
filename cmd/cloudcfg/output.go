package main

import (
	"io"
	"sync"
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
