package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMakeCasesSkips checks that make cases, in a checkout with no
// ../shared/cases beside it, says so and succeeds without building.
func TestMakeCasesSkips(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Skipf("make is not installed: %v", err)
	}
	makefile, err := os.ReadFile("../../Makefile")
	require.NoError(t, err)
	dir := filepath.Join(t.TempDir(), "checkout")
	require.NoError(t, os.Mkdir(dir, 0o700))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "Makefile"),
		makefile, 0o600))

	cmd := exec.Command("make", "-s", "cases")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Equal(t, "cases: skipped: ../shared/cases/run not found\n",
		string(out))
	assert.NoDirExists(t, filepath.Join(dir, "bin"), "nothing is built")
}
