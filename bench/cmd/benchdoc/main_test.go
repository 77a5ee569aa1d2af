package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const sample = `goos: linux
goarch: amd64
pkg: github.com/cloudcfg/cloudcfg/bench
cpu: Some CPU @ 2.0GHz
BenchmarkLoad/airbyte/cloudcfg-2   1000   40000 ns/op   20000 B/op   200 allocs/op
BenchmarkLoad/airbyte/cloudcfg-2   1000   44000 ns/op   20000 B/op   200 allocs/op
BenchmarkLoad/airbyte/cloudcfg-2   1000   90000 ns/op   20100 B/op   200 allocs/op
BenchmarkLoad/airbyte/viper-2      1000   50000 ns/op   25000 B/op   300 allocs/op
BenchmarkLoad/airbyte/viper-2      1000   50000 ns/op   25000 B/op   300 allocs/op
BenchmarkLoad/airbyte/viper-2      1000   52000 ns/op   25000 B/op   300 allocs/op
BenchmarkOther-2                   1000   10 ns/op
PASS
ok  	github.com/cloudcfg/cloudcfg/bench	12.3s
`

func TestParseRaw(t *testing.T) {
	raw, err := parseRaw(strings.NewReader(sample))
	require.NoError(t, err)
	require.Len(t, raw.results, 6)
	assert.Equal(t, result{input: "airbyte", loader: "cloudcfg",
		ns: 40000, bytes: 20000, allocs: 200}, raw.results[0])
	assert.Len(t, raw.lines, 10, "config lines and results, no others")
	assert.Equal(t, "cpu: Some CPU @ 2.0GHz", raw.lines[3])
}

func TestParseResultBad(t *testing.T) {
	_, _, err := parseResult("BenchmarkLoad/a/b-2 10 x ns/op")
	assert.Error(t, err)
	_, _, err = parseResult("BenchmarkLoad/a/b-2 10 5 B/op")
	assert.Error(t, err, "a result without ns/op")
}

func TestSummarize(t *testing.T) {
	raw, err := parseRaw(strings.NewReader(sample))
	require.NoError(t, err)
	sum := summarize(raw.results)
	require.Len(t, sum, 2)

	c := sum[0]
	assert.Equal(t, "cloudcfg", c.loader)
	assert.Equal(t, 3, c.runs)
	assert.InDelta(t, 44000, c.ns, 0.1, "the median, not the mean")
	assert.InDelta(t, 40000, c.nsMin, 0.1)
	assert.InDelta(t, 90000, c.nsMax, 0.1)
	assert.InDelta(t, 0.88, c.vsNs, 0.001)
	assert.InDelta(t, 0.8, c.vsB, 0.001)
	assert.InDelta(t, 200.0/300, c.vsAlloc, 0.001)
	assert.InDelta(t, 1, sum[1].vsNs, 0.001)
}

func TestMedian(t *testing.T) {
	assert.InDelta(t, 2, median([]float64{1, 2, 9}), 0)
	assert.InDelta(t, 2.5, median([]float64{1, 2, 3, 9}), 0)
	assert.InDelta(t, 7, median([]float64{7}), 0)
}

func TestVerdict(t *testing.T) {
	sum := []stats{
		{input: "airbyte", loader: "cloudcfg", vsNs: 0.9, vsB: 0.9,
			vsAlloc: 0.7},
		{input: "app", loader: "cloudcfg", vsNs: 1.02, vsB: 0.9,
			vsAlloc: 0.7},
		{input: "airbyte-envonly", loader: "cloudcfg", vsNs: 3, vsB: 3,
			vsAlloc: 3},
	}
	assert.Contains(t, verdict(sum), "not met (app time 1.02)")
	sum[1].vsNs = 1
	assert.Contains(t, verdict(sum), ": met.")
	assert.Contains(t, verdict(sum[:1]), "not met (app has no results)")
}
