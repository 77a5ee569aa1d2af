package loader

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"abc", "", 3},
		{"", "abc", 3},
		{"TIMEOUT", "TIMEOUT", 0},
		{"TIMOUT", "TIMEOUT", 1},
		{"CLEINT", "CLIENT", 1},
		{"SECRET", "SECERT", 1},
		{"kitten", "sitting", 3},
		{"ab", "ba", 1},
		{"ca", "abc", 3},
		{"日本語", "日本", 1},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, distance(tt.a, tt.b),
			"distance(%q, %q)", tt.a, tt.b)
		assert.Equal(t, tt.want, distance(tt.b, tt.a),
			"distance(%q, %q)", tt.b, tt.a)
	}
}

func TestNearest(t *testing.T) {
	names := []string{"AIRBYTE_CLOUD_CLIENT_ID", "AIRBYTE_CLOUD_TIMEOUT"}
	tests := []struct{ name, want string }{
		{"AIRBYTE_CLOUD_CLIENTID", "AIRBYTE_CLOUD_CLIENT_ID"},
		{"AIRBYTE_CLOUD_TIMOUT", "AIRBYTE_CLOUD_TIMEOUT"},
		{"AIRBYTE_CLOUD_WORKSPACE", ""},
	}
	for _, tt := range tests {
		if got := Nearest(tt.name, names); got != tt.want {
			t.Errorf("Nearest(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}
