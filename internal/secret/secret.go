// Package secret encrypts small values at rest, such as a tenant's source
// credentials, with AES-256-GCM under one key per installation.
//
// The key comes from the environment variable TSA_SECRET_KEY (base64 of 32
// bytes) or, when that is unset, from the file secret.key in the data
// directory, created on first use with mode 0600. A key file that others can
// read is refused rather than used: a leaked key decrypts every credential.
//
// A sealed value is: one version byte, a random 12-byte nonce, then the
// ciphertext with its 16-byte tag. The version byte lets a later release
// change the cipher or rotate keys while still opening old values.
package secret

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

const (
	// KeyEnv names the environment variable that holds the key.
	KeyEnv = "TSA_SECRET_KEY"
	// KeyFileName is the key file's name inside the data directory.
	KeyFileName = "secret.key"
	// KeySize is the key length in bytes (AES-256).
	KeySize = 32

	version1  = 1 // AES-256-GCM, 12-byte random nonce
	nonceSize = 12
)

// ErrOpen is returned when a sealed value cannot be opened: it was changed,
// truncated, sealed for other associated data, or sealed under another key.
var ErrOpen = errors.New("secret: cannot open sealed value (tampered, or another key)")

// Box seals and opens values under one key. It is safe for concurrent use.
type Box struct {
	aead cipher.AEAD
}

// New returns a Box for a 32-byte key.
func New(key []byte) (*Box, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("secret: key is %d bytes, want %d", len(key), KeySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	return &Box{aead: aead}, nil
}

// String keeps the key schedule out of logs when a Box is printed by
// mistake: fmt and slog would otherwise dump the cipher's fields.
func (b *Box) String() string { return "secret.Box{…}" }

// GoString does the same for %#v.
func (b *Box) GoString() string { return b.String() }

// Seal encrypts plaintext. ad (associated data, such as the tenant id) is not
// stored but must be given again to Open, so a value cannot be moved to
// another record and still open.
func (b *Box) Seal(plaintext, ad []byte) ([]byte, error) {
	out := make([]byte, 1+nonceSize, 1+nonceSize+len(plaintext)+b.aead.Overhead())
	out[0] = version1
	if _, err := rand.Read(out[1 : 1+nonceSize]); err != nil {
		return nil, fmt.Errorf("secret: nonce: %w", err)
	}
	return b.aead.Seal(out, out[1:1+nonceSize], plaintext, withVersion(version1, ad)), nil
}

// Open decrypts a value made by Seal with the same associated data.
func (b *Box) Open(sealed, ad []byte) ([]byte, error) {
	if len(sealed) < 1+nonceSize+b.aead.Overhead() {
		return nil, ErrOpen
	}
	if sealed[0] != version1 {
		return nil, fmt.Errorf("secret: sealed with unknown version %d: %w", sealed[0], ErrOpen)
	}
	nonce, ct := sealed[1:1+nonceSize], sealed[1+nonceSize:]
	pt, err := b.aead.Open(nil, nonce, ct, withVersion(sealed[0], ad))
	if err != nil {
		return nil, ErrOpen
	}
	return pt, nil
}

// withVersion authenticates the version byte too, so flipping it is caught
// as tampering rather than read as another format.
func withVersion(v byte, ad []byte) []byte {
	return append([]byte{v}, ad...)
}

// Load returns the installation's Box: the key from TSA_SECRET_KEY when set,
// otherwise from dataDir's key file, which is created when missing.
func Load(dataDir string) (*Box, error) {
	key, err := LoadKey(dataDir)
	if err != nil {
		return nil, err
	}
	return New(key)
}

// LoadKey returns the key as Load finds it. An empty TSA_SECRET_KEY counts
// as unset, as config templates often export every variable. Errors never
// quote the key.
func LoadKey(dataDir string) ([]byte, error) {
	if v := os.Getenv(KeyEnv); v != "" {
		key, err := decodeKey([]byte(v))
		if err != nil {
			return nil, fmt.Errorf("secret: %s: %w", KeyEnv, err)
		}
		return key, nil
	}
	return loadKeyFile(filepath.Join(dataDir, KeyFileName))
}

func decodeKey(text []byte) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(string(bytes.TrimSpace(text)))
	if err != nil {
		return nil, errors.New("not valid base64")
	}
	if len(key) != KeySize {
		return nil, fmt.Errorf("decodes to %d bytes, want %d", len(key), KeySize)
	}
	return key, nil
}

func loadKeyFile(path string) ([]byte, error) {
	key, err := readKeyFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if err := createKeyFile(path); err != nil {
			return nil, err
		}
		key, err = readKeyFile(path)
	}
	return key, err
}

func readKeyFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("secret: key file: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("secret: key file: %w", err)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("secret: key file %s has mode %#o, open to group or others; run: chmod 600 %s", path, perm, path)
	}
	text, err := io.ReadAll(io.LimitReader(f, 1024))
	if err != nil {
		return nil, fmt.Errorf("secret: key file %s: %w", path, err)
	}
	key, err := decodeKey(text)
	if err != nil {
		return nil, fmt.Errorf("secret: key file %s: %w", path, err)
	}
	return key, nil
}

// createKeyFile writes a new random key. It writes a private temporary file
// and links it into place, so a concurrent starter either wins or reads the
// complete file of the one that did; never a half-written key.
func createKeyFile(path string) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("secret: data dir: %w", err)
	}
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return fmt.Errorf("secret: new key: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".secret.key-*")
	if err != nil {
		return fmt.Errorf("secret: new key file: %w", err)
	}
	defer os.Remove(tmp.Name())
	// CreateTemp already uses 0600; Chmod states it and survives an odd umask.
	err = tmp.Chmod(0o600)
	if err == nil {
		_, err = tmp.WriteString(base64.StdEncoding.EncodeToString(key) + "\n")
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("secret: new key file: %w", err)
	}
	if err := os.Link(tmp.Name(), path); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("secret: new key file: %w", err)
	}
	return nil
}
