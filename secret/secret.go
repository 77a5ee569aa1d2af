// Package secret provides String, a string type for credentials that
// shows "[REDACTED]" through every printing, logging and marshalling path
// and gives its value up only through Reveal.
//
// The plaintext is never held in a form that reflection can read: a String
// keeps it sealed with a key that lives only in this package, so printers
// that walk unexported fields (spew, go-cmp, fmt on unexported fields) see
// ciphertext. Sealing is deterministic, so two Strings that hold the same
// value are equal under reflect.DeepEqual, testify's assert.Equal and
// go-cmp.
package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"log/slog"
	"strconv"
	"sync"
	"unsafe"
)

// Redacted is what a set String shows in place of its value.
const Redacted = "[REDACTED]"

// ErrPlaceholder is returned when the text to decode is the redaction
// placeholder itself, which happens when redacted output is fed back in.
var ErrPlaceholder = errors.New(
	"secret: value is the redaction placeholder " + Redacted +
		", not a real secret")

// String holds a secret value. The zero String is unset.
//
// A String is immutable and safe for concurrent use. Copying it is cheap
// and shares the sealed value.
type String struct {
	s *sealed
}

// sealed is the value encrypted under the package key. mac identifies the
// plaintext (and is the nonce); data is the plaintext XOR the key stream.
type sealed struct {
	mac  [sha256.Size]byte
	data []byte
}

// keys are made once per process and never leave this package.
var keys = newKeys()

type keySet struct {
	macKey []byte
	block  cipher.Block
}

func newKeys() keySet {
	var k [64]byte
	if _, err := rand.Read(k[:]); err != nil {
		panic("secret: no randomness for the process key: " + err.Error())
	}
	block, err := aes.NewCipher(k[32:])
	if err != nil {
		panic("secret: " + err.Error())
	}
	return keySet{macKey: k[:32], block: block}
}

// New returns a String holding v. An empty v gives an unset String.
func New(v string) String {
	if v == "" {
		return String{}
	}
	s := &sealed{data: []byte(v)}
	m := macs.Get().(hash.Hash)
	m.Reset()
	m.Write(s.data)
	m.Sum(s.mac[:0])
	macs.Put(m)
	xorKeyStream(s.data, s.data, &s.mac)
	return String{s: s}
}

// macs holds HMAC states keyed with the package key, reused because
// making one costs more than using it.
var macs = sync.Pool{New: func() any {
	return hmac.New(sha256.New, keys.macKey)
}}

// xorKeyStream XORs src into dst with the AES-CTR key stream whose
// initial counter is the first block of mac. It is the counter mode of
// crypto/cipher, written out so that it allocates nothing: the values
// are short and sealed and opened often.
func xorKeyStream(dst, src []byte, mac *[sha256.Size]byte) {
	var ctr, ks [aes.BlockSize]byte
	copy(ctr[:], mac[:aes.BlockSize])
	for len(src) > 0 {
		keys.block.Encrypt(ks[:], ctr[:])
		n := subtle.XORBytes(dst, src, ks[:])
		dst, src = dst[n:], src[n:]
		for i := len(ctr) - 1; i >= 0; i-- {
			if ctr[i]++; ctr[i] != 0 {
				break
			}
		}
	}
}

// Reveal returns the plaintext, or "" when s is unset. It is the one way a
// value leaves a String; grep for it when reviewing code.
func (s String) Reveal() string {
	if s.s == nil {
		return ""
	}
	buf := make([]byte, len(s.s.data))
	xorKeyStream(buf, s.s.data, &s.s.mac)
	// buf is never written again, so the string may share it.
	return unsafe.String(unsafe.SliceData(buf), len(buf))
}

// IsSet reports whether s holds a value.
func (s String) IsSet() bool { return s.s != nil }

// Len returns the length in bytes of the value, 0 when unset.
func (s String) Len() int {
	if s.s == nil {
		return 0
	}
	return len(s.s.data)
}

// Equal reports whether s and o hold the same value. It runs in time that
// does not depend on the values.
func (s String) Equal(o String) bool {
	if s.s == nil || o.s == nil {
		return s.s == nil && o.s == nil
	}
	return subtle.ConstantTimeCompare(s.s.mac[:], o.s.mac[:]) == 1
}

func (s String) shown() string {
	if s.s == nil {
		return ""
	}
	return Redacted
}

// String returns "[REDACTED]", or "" when s is unset.
func (s String) String() string { return s.shown() }

// GoString returns a Go expression that shows no value, for %#v.
func (s String) GoString() string {
	return "secret.String(" + strconv.Quote(s.shown()) + ")"
}

// Format writes the redacted form for every fmt verb, so that %x, %q and
// the rest cannot reach the value.
func (s String) Format(f fmt.State, verb rune) {
	switch verb {
	case 'v':
		if f.Flag('#') {
			fmt.Fprint(f, s.GoString())
			return
		}
	case 'q':
		fmt.Fprint(f, strconv.Quote(s.shown()))
		return
	}
	fmt.Fprint(f, s.shown())
}

// LogValue implements slog.LogValuer.
func (s String) LogValue() slog.Value { return slog.StringValue(s.shown()) }

// MarshalText implements encoding.TextMarshaler with the redacted form.
func (s String) MarshalText() ([]byte, error) { return []byte(s.shown()), nil }

// MarshalJSON implements json.Marshaler with the redacted form.
func (s String) MarshalJSON() ([]byte, error) {
	return []byte(strconv.Quote(s.shown())), nil
}

// MarshalYAML implements the yaml.Marshaler interface of gopkg.in/yaml.v3
// and go.yaml.in/yaml/v3 with the redacted form.
func (s String) MarshalYAML() (any, error) { return s.shown(), nil }

// UnmarshalText implements encoding.TextUnmarshaler, so a String decodes
// from configuration files and the environment. Empty text gives an unset
// String. The placeholder "[REDACTED]" is refused with ErrPlaceholder.
func (s *String) UnmarshalText(text []byte) error {
	if string(text) == Redacted {
		return ErrPlaceholder
	}
	*s = New(string(text))
	return nil
}

// UnmarshalJSON implements json.Unmarshaler: a JSON string or null.
func (s *String) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*s = String{}
		return nil
	}
	var v string
	if err := json.Unmarshal(b, &v); err != nil {
		return errors.New("secret: JSON value is not a string")
	}
	return s.UnmarshalText([]byte(v))
}
