package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"strings"
	"testing"
)

// TestKeyStreamIsCTR checks the hand-written counter mode against the
// standard library's, at lengths around block and counter boundaries.
func TestKeyStreamIsCTR(t *testing.T) {
	var mac [sha256.Size]byte
	for i := range mac {
		mac[i] = 0xff // the counter carries through every byte
	}
	for _, n := range []int{1, 15, 16, 17, 31, 32, 33, 1000, 64 << 10} {
		src := []byte(strings.Repeat("x", n))
		got := make([]byte, n)
		xorKeyStream(got, src, &mac)

		want := make([]byte, n)
		cipher.NewCTR(keys.block, mac[:aes.BlockSize]).XORKeyStream(want, src)
		if string(got) != string(want) {
			t.Fatalf("xorKeyStream differs from cipher.NewCTR at %d bytes", n)
		}
	}
}

func BenchmarkNewReveal(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if New("a-client-secret-of-some-length").Reveal() == "" {
			b.Fatal("empty")
		}
	}
}
