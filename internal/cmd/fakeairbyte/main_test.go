package main

import (
	"bufio"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRun(t *testing.T) {
	stdin, closeStdin := io.Pipe()
	out, stdout := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run([]string{"-lifetime", "2s"}, stdin, stdout)
		stdout.Close()
	}()

	vars := map[string]string{}
	sc := bufio.NewScanner(out)
	for len(vars) < 3 && sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok &&
			!strings.HasPrefix(k, "#") {
			vars[k] = v
		}
	}
	go io.Copy(io.Discard, out)
	root := vars["AIRBYTE_CLOUD_API_URL"]
	require.True(t, strings.HasPrefix(root, "http://127.0.0.1:"), root)
	assert.NotEmpty(t, vars["AIRBYTE_CLOUD_CLIENT_ID"])

	body := `{"client_id":"` + vars["AIRBYTE_CLOUD_CLIENT_ID"] +
		`","client_secret":"` + vars["AIRBYTE_CLOUD_CLIENT_SECRET"] + `"}`
	resp, err := http.Post(root+"/applications/token", "application/json",
		strings.NewReader(body))
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, string(b), `"expires_in":2`)

	closeStdin.Close()
	require.NoError(t, <-done)
}

func TestRunRefusesOtherAddresses(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":0", "localhost:0"} {
		err := run([]string{"-addr", addr}, strings.NewReader(""),
			io.Discard)
		assert.ErrorContains(t, err, "not a loopback address", addr)
	}
}
