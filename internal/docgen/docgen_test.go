package docgen

import (
	"bytes"
	"flag"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite docs/configuration.md")

const pagePath = "../../docs/configuration.md"

// TestConfigurationPage fails when docs/configuration.md is not what
// Generate writes; -update rewrites it.
func TestConfigurationPage(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, Generate(&b))
	if *update {
		require.NoError(t, os.WriteFile(pagePath, b.Bytes(), 0o644))
	}
	committed, err := os.ReadFile(pagePath)
	require.NoError(t, err)
	assert.Equal(t, string(committed), b.String(),
		"docs/configuration.md is stale; run "+
			"go test ./internal/docgen -update")
}
