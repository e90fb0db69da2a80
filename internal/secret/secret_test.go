package secret

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func testKey(b byte) []byte { return bytes.Repeat([]byte{b}, KeySize) }

func mustBox(t *testing.T, key []byte) *Box {
	t.Helper()
	b, err := New(key)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRoundTrip(t *testing.T) {
	b := mustBox(t, testKey(1))
	for _, tc := range []struct {
		name      string
		plaintext []byte
		ad        []byte
	}{
		{"empty", nil, nil},
		{"short", []byte("hunter2"), []byte("tenant-a")},
		{"binary", []byte{0, 1, 2, 255}, nil},
		{"long", bytes.Repeat([]byte("x"), 10000), []byte("ad")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sealed, err := b.Seal(tc.plaintext, tc.ad)
			if err != nil {
				t.Fatal(err)
			}
			if len(tc.plaintext) > 0 && bytes.Contains(sealed, tc.plaintext) {
				t.Fatal("sealed value contains the plaintext")
			}
			got, err := b.Open(sealed, tc.ad)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tc.plaintext) {
				t.Fatalf("got %q, want %q", got, tc.plaintext)
			}
		})
	}
}

func TestNonceIsRandom(t *testing.T) {
	b := mustBox(t, testKey(1))
	x, _ := b.Seal([]byte("same"), nil)
	y, _ := b.Seal([]byte("same"), nil)
	if bytes.Equal(x, y) {
		t.Fatal("two seals of the same value are equal: nonce reused")
	}
}

func TestOpenRefuses(t *testing.T) {
	b := mustBox(t, testKey(1))
	sealed, err := b.Seal([]byte("secret value"), []byte("tenant-a"))
	if err != nil {
		t.Fatal(err)
	}
	flip := func(i int) []byte {
		c := bytes.Clone(sealed)
		c[i] ^= 0x01
		return c
	}
	for _, tc := range []struct {
		name   string
		box    *Box
		sealed []byte
		ad     string
	}{
		{"wrong key", mustBox(t, testKey(2)), sealed, "tenant-a"},
		{"other associated data", b, sealed, "tenant-b"},
		{"version byte flipped", b, flip(0), "tenant-a"},
		{"nonce flipped", b, flip(3), "tenant-a"},
		{"ciphertext flipped", b, flip(1 + nonceSize + 2), "tenant-a"},
		{"tag flipped", b, flip(len(sealed) - 1), "tenant-a"},
		{"truncated", b, sealed[:len(sealed)-1], "tenant-a"},
		{"too short", b, sealed[:5], "tenant-a"},
		{"empty", b, nil, "tenant-a"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := tc.box.Open(tc.sealed, []byte(tc.ad)); !errors.Is(err, ErrOpen) {
				t.Fatalf("Open: %v, want ErrOpen", err)
			}
		})
	}
}

func TestNewRejectsBadKeys(t *testing.T) {
	for _, n := range []int{0, 16, 31, 33} {
		if _, err := New(make([]byte, n)); err == nil {
			t.Errorf("New(%d bytes) succeeded", n)
		}
	}
}

func TestBoxDoesNotPrintKey(t *testing.T) {
	key := testKey(0xAB)
	b := mustBox(t, key)
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		out := fmt.Sprintf(verb, b)
		if strings.Contains(out, "171") || strings.Contains(strings.ToLower(out), "abab") {
			t.Errorf("%s prints key material: %s", verb, out)
		}
	}
}

func TestLoadKeyFromEnv(t *testing.T) {
	key := testKey(7)
	t.Setenv(KeyEnv, base64.StdEncoding.EncodeToString(key)+"\n")
	dir := t.TempDir()
	got, err := LoadKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, key) {
		t.Fatal("key from env differs")
	}
	if _, err := os.Stat(filepath.Join(dir, KeyFileName)); !os.IsNotExist(err) {
		t.Fatalf("a key file was written although the env var is set: %v", err)
	}
}

func TestLoadKeyBadEnv(t *testing.T) {
	secretText := base64.StdEncoding.EncodeToString(testKey(7)[:16])
	for _, v := range []string{"not base64 !!", secretText} {
		t.Setenv(KeyEnv, v)
		_, err := LoadKey(t.TempDir())
		if err == nil {
			t.Fatalf("LoadKey accepted %q", v)
		}
		if strings.Contains(err.Error(), v) {
			t.Fatalf("error quotes the key: %v", err)
		}
	}
}

func TestEmptyEnvMeansFile(t *testing.T) {
	t.Setenv(KeyEnv, "")
	dir := t.TempDir()
	if _, err := LoadKey(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, KeyFileName)); err != nil {
		t.Fatalf("no key file made: %v", err)
	}
}

func TestKeyFileCreatedPrivateAndReused(t *testing.T) {
	unsetEnv(t)
	dir := filepath.Join(t.TempDir(), "data") // not there yet
	k1, err := LoadKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, KeyFileName))
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Fatalf("key file mode %#o, want 0600", perm)
	}
	k2, err := LoadKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(k1, k2) {
		t.Fatal("second load made a new key")
	}
	// A value sealed by one start opens on the next.
	b1, _ := New(k1)
	sealed, _ := b1.Seal([]byte("v"), nil)
	b2, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b2.Open(sealed, nil); err != nil {
		t.Fatal(err)
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, ".secret.key-*"))
	if len(leftovers) != 0 {
		t.Fatalf("temporary files left: %v", leftovers)
	}
}

func TestKeyFileTooOpenRefused(t *testing.T) {
	unsetEnv(t)
	for _, mode := range []os.FileMode{0o644, 0o640, 0o604, 0o660, 0o666} {
		t.Run(fmt.Sprintf("%#o", mode), func(t *testing.T) {
			dir := t.TempDir()
			if _, err := LoadKey(dir); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, KeyFileName)
			if err := os.Chmod(path, mode); err != nil {
				t.Fatal(err)
			}
			_, err := LoadKey(dir)
			if err == nil || !strings.Contains(err.Error(), "chmod 600") {
				t.Fatalf("LoadKey with mode %#o: %v, want a refusal", mode, err)
			}
		})
	}
}

func TestKeyFileCorrupt(t *testing.T) {
	unsetEnv(t)
	for _, content := range []string{"", "garbage", base64.StdEncoding.EncodeToString([]byte("short"))} {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, KeyFileName), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadKey(dir); err == nil {
			t.Fatalf("LoadKey accepted key file %q", content)
		}
	}
}

// unsetEnv makes TSA_SECRET_KEY empty (unset) for one test.
func unsetEnv(t *testing.T) { t.Setenv(KeyEnv, "") }
