package secret_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudcfg/cloudcfg/secret"
)

func TestNewReveal(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		set   bool
		shown string
	}{
		{name: "empty is unset", in: "", set: false, shown: ""},
		{name: "ascii", in: "tok-123", set: true, shown: secret.Redacted},
		{name: "one byte", in: "x", set: true, shown: secret.Redacted},
		{name: "utf-8", in: "pässwörd-☃", set: true, shown: secret.Redacted},
		{name: "nul bytes", in: "a\x00b", set: true, shown: secret.Redacted},
		{name: "whitespace kept", in: " tok\n", set: true,
			shown: secret.Redacted},
		{name: "the placeholder text", in: secret.Redacted, set: true,
			shown: secret.Redacted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := secret.New(tt.in)
			assert.Equal(t, tt.in, s.Reveal(), "New(%q).Reveal()", tt.in)
			assert.Equal(t, tt.set, s.IsSet(), "New(%q).IsSet()", tt.in)
			assert.Equal(t, len(tt.in), s.Len(), "New(%q).Len()", tt.in)
			assert.Equal(t, tt.shown, s.String(), "New(%q).String()", tt.in)
		})
	}
}

func TestZeroValue(t *testing.T) {
	var s secret.String
	assert.False(t, s.IsSet())
	assert.Empty(t, s.Reveal())
	assert.Zero(t, s.Len())
	assert.Empty(t, s.String())
	assert.Equal(t, `secret.String("")`, s.GoString())
	assert.True(t, s.Equal(secret.New("")), "zero equals New(\"\")")
}

func TestRevealDoesNotShareMemory(t *testing.T) {
	s := secret.New("abc")
	got := []byte(s.Reveal())
	got[0] = 'X'
	assert.Equal(t, "abc", s.Reveal())
}

func TestEqual(t *testing.T) {
	tests := []struct {
		name string
		a, b string
		want bool
	}{
		{name: "same value", a: "tok", b: "tok", want: true},
		{name: "both unset", a: "", b: "", want: true},
		{name: "one unset", a: "tok", b: "", want: false},
		{name: "other unset", a: "", b: "tok", want: false},
		{name: "differ in last byte", a: "tok1", b: "tok2", want: false},
		{name: "prefix", a: "tok", b: "toke", want: false},
		{name: "case", a: "Tok", b: "tok", want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := secret.New(tt.a), secret.New(tt.b)
			assert.Equal(t, tt.want, a.Equal(b), "Equal(%q, %q)", tt.a, tt.b)
			assert.Equal(t, tt.want, b.Equal(a), "Equal(%q, %q)", tt.b, tt.a)
			assert.Equal(t, tt.want, reflect.DeepEqual(a, b),
				"reflect.DeepEqual must agree with Equal")
			assert.Equal(t, tt.want, cmp.Equal(a, b),
				"cmp.Equal must agree with Equal")
			assert.Equal(t, tt.want, assert.ObjectsAreEqual(a, b),
				"testify must agree with Equal")
		})
	}
}

// holder stands for a configuration struct with secrets in it.
type holder struct {
	Name  string        `json:"name"`
	Token secret.String `json:"token"`
}

func TestEqualInsideStructs(t *testing.T) {
	a := holder{Name: "n", Token: secret.New("tok")}
	b := holder{Name: "n", Token: secret.New("tok")}
	c := holder{Name: "n", Token: secret.New("other")}

	assert.Equal(t, a, b, "assert.Equal on equal secrets")
	assert.True(t, cmp.Equal(a, b), "cmp.Equal on equal secrets")
	assert.True(t, reflect.DeepEqual(a, b), "DeepEqual on equal secrets")
	assert.NotEqual(t, a, c)
	assert.False(t, cmp.Equal(a, c))
	assert.False(t, reflect.DeepEqual(a, c))
}

func TestUnmarshalText(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    string
		wantErr error
	}{
		{name: "value", in: "tok", want: "tok"},
		{name: "empty is unset", in: "", want: ""},
		{name: "placeholder refused", in: secret.Redacted,
			wantErr: secret.ErrPlaceholder},
		{name: "placeholder inside is a value", in: "x" + secret.Redacted,
			want: "x" + secret.Redacted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s secret.String
			err := s.UnmarshalText([]byte(tt.in))
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				assert.False(t, s.IsSet())
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, s.Reveal())
		})
	}
}

func TestUnmarshalJSON(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    string
		wantErr bool
	}{
		{name: "string", in: `{"token":"tok"}`, want: "tok"},
		{name: "escapes", in: `{"token":"a\"b\u00e9"}`, want: "a\"bé"},
		{name: "null", in: `{"token":null}`, want: ""},
		{name: "empty", in: `{"token":""}`, want: ""},
		{name: "number", in: `{"token":12}`, wantErr: true},
		{name: "placeholder", in: `{"token":"[REDACTED]"}`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var h holder
			err := json.Unmarshal([]byte(tt.in), &h)
			if tt.wantErr {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, h.Token.Reveal())
		})
	}
}

func TestJSONRoundTripRefusesPlaceholder(t *testing.T) {
	out, err := json.Marshal(holder{Token: secret.New("tok")})
	require.NoError(t, err)

	var h holder
	err = json.Unmarshal(out, &h)
	require.Error(t, err, "redacted output fed back in must not load")
	assert.True(t, errors.Is(err, secret.ErrPlaceholder),
		"want ErrPlaceholder, got %v", err)
}

func TestConcurrentUse(t *testing.T) {
	s := secret.New("shared-token")
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				assert.Equal(t, "shared-token", s.Reveal())
				assert.True(t, s.Equal(secret.New("shared-token")))
				_ = s.String()
			}
		})
	}
	wg.Wait()
}
