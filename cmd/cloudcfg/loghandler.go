package main

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"sync"
)

// lineHandler is a slog.Handler for people at a terminal: one line a
// record, "cloudcfg: warning: message (key=value ...)". Values pass
// through slog's LogValuer, so secrets print redacted.
type lineHandler struct {
	mu     *sync.Mutex
	w      io.Writer
	attrs  []slog.Attr // with group prefixes applied
	prefix string      // open groups, "a.b."
}

var _ slog.Handler = (*lineHandler)(nil)

func newLineHandler(w io.Writer) *lineHandler {
	return &lineHandler{mu: &sync.Mutex{}, w: w}
}

// Enabled reports whether records of level l are printed: info and up.
func (h *lineHandler) Enabled(_ context.Context, l slog.Level) bool {
	return l >= slog.LevelInfo
}

// Handle prints r as one line.
func (h *lineHandler) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString("cloudcfg: ")
	switch {
	case r.Level >= slog.LevelError:
		b.WriteString("error: ")
	case r.Level >= slog.LevelWarn:
		b.WriteString("warning: ")
	}
	b.WriteString(printable(r.Message))

	var kvs []string
	for _, a := range h.attrs {
		kvs = appendAttr(kvs, "", a)
	}
	r.Attrs(func(a slog.Attr) bool {
		kvs = appendAttr(kvs, h.prefix, a)
		return true
	})
	if len(kvs) > 0 {
		b.WriteString(" (")
		b.WriteString(strings.Join(kvs, " "))
		b.WriteString(")")
	}
	b.WriteString("\n")

	h.mu.Lock()
	defer h.mu.Unlock()
	_, err := io.WriteString(h.w, b.String())
	return err
}

// appendAttr adds "key=value" for a, and for each member of a group.
func appendAttr(kvs []string, prefix string, a slog.Attr) []string {
	v := a.Value.Resolve()
	if v.Kind() == slog.KindGroup {
		if a.Key != "" {
			prefix += a.Key + "."
		}
		for _, m := range v.Group() {
			kvs = appendAttr(kvs, prefix, m)
		}
		return kvs
	}
	if a.Key == "" {
		return kvs
	}
	return append(kvs, printable(prefix+a.Key)+"="+quoteIfNeeded(v.String()))
}

// quoteIfNeeded quotes s, escaping what is not printable, when it is
// empty or holds a character that would make the line ambiguous.
func quoteIfNeeded(s string) string {
	if s == "" || strings.ContainsAny(s, " \"=()") || printable(s) != s {
		return strconv.Quote(s)
	}
	return s
}

// WithAttrs returns a handler that adds attrs to every record.
func (h *lineHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	h2 := *h
	h2.attrs = append([]slog.Attr(nil), h.attrs...)
	for _, a := range attrs {
		if h.prefix != "" {
			a.Key = h.prefix + a.Key
		}
		h2.attrs = append(h2.attrs, a)
	}
	return &h2
}

// WithGroup returns a handler that prefixes later keys with name.
func (h *lineHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	h2 := *h
	h2.prefix += name + "."
	return &h2
}
