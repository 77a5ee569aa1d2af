// Package docgen writes docs/configuration.md: hand-written sections on
// layers, file discovery and the rules that span keys, around a key
// reference that loader.Markdown makes from the struct tags of
// config.CloudClientConfig. The test of this package fails when the
// committed page is stale; go test ./internal/docgen -update rewrites it.
package docgen

import (
	"bytes"
	_ "embed"
	"io"
	"strings"
	"text/template"

	"github.com/cloudcfg/cloudcfg/config"
	"github.com/cloudcfg/cloudcfg/loader"
)

//go:embed configuration.md.tmpl
var page string

var tmpl = template.Must(template.New("configuration.md").Parse(page))

// Generate writes the configuration reference page to w.
func Generate(w io.Writer) error {
	var ref bytes.Buffer
	if err := loader.Markdown(&ref, &config.CloudClientConfig{}); err != nil {
		return err
	}
	return tmpl.Execute(w, struct {
		Reference  string
		ConfigVar  string
		APIRoot    string
		ConfigRoot string
	}{strings.TrimSuffix(ref.String(), "\n"), config.ConfigVar, config.CloudAPIRoot,
		config.CloudConfigAPIRoot})
}
