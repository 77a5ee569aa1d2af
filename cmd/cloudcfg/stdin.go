package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"github.com/cloudcfg/cloudcfg/config"
	"github.com/cloudcfg/cloudcfg/loader"
)

// secretStdin returns the reader that a --KEY-file - flag reads from.
// When that is a terminal, the command would wait there in silence for
// the secret, so the first read says on stderr what it waits for. Echo
// is left on: the secret shows as it is typed.
func (a *app) secretStdin() io.Reader {
	key := a.stdinKey()
	if key == "" || !isTerminal(a.stdin) {
		return a.stdin
	}
	return &promptReader{r: a.stdin, w: a.stderr,
		prompt: "cloudcfg: reading " + key + " from standard input " +
			"(end it with Ctrl-D)...\n"}
}

// stdinKey returns the key that reads standard input: the first secret,
// in the order the loader reads them, whose file flag is "-". It returns
// "" when there is none.
func (a *app) stdinKey() string {
	if a.flags == nil {
		return ""
	}
	keys, err := loader.Describe(&config.CloudClientConfig{})
	if err != nil {
		return ""
	}
	for _, k := range keys {
		fl := a.flags.Lookup(strings.TrimPrefix(k.Flag, "--"))
		if k.Secret && fl != nil && fl.Changed && fl.Value.String() == "-" {
			return k.Key
		}
	}
	return ""
}

// isTerminal reports whether r is a file that is a character device: a
// terminal, most likely.
func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// promptReader writes prompt to w before the first read of r.
type promptReader struct {
	r      io.Reader
	w      io.Writer
	prompt string
	once   sync.Once
}

func (p *promptReader) Read(b []byte) (int, error) {
	p.once.Do(func() { fmt.Fprint(p.w, p.prompt) })
	return p.r.Read(b)
}
