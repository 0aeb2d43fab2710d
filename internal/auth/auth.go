// Package auth holds Switchboard's credentials: API keys (random, shown once,
// stored as SHA-256) and user passwords (argon2id in PHC string format).
package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// KeyPrefix starts every API key, so leaked keys are easy to recognise and scan for.
const KeyPrefix = "sbk_"

// NewAPIKey returns a fresh key (256 random bits), its display prefix and its hash.
func NewAPIKey() (key, prefix, hash string) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error()) // never happens on Linux; nothing safe to fall back to
	}
	key = KeyPrefix + base64.RawURLEncoding.EncodeToString(b)
	return key, key[:len(KeyPrefix)+6], HashAPIKey(key)
}

// HashAPIKey is the stored form of a key. A single SHA-256 suffices because
// keys are 256 random bits: there is nothing to brute-force.
func HashAPIKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// ValidKeyShape reports whether key could be an API key (cheap check before a lookup).
func ValidKeyShape(key string) bool {
	return len(key) >= 16 && len(key) <= 256 && !strings.ContainsAny(key, " \t\r\n")
}

// argon2id parameters: RFC 9106's second recommended option (64 MiB, 3 passes),
// scaled to 19 MiB/2 passes as OWASP suggests for servers with many logins.
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
	saltLen      = 16
	// MinPasswordLen is the shortest password accepted.
	MinPasswordLen = 8
	// MaxPasswordLen bounds the work an attacker can make us do per login.
	MaxPasswordLen = 256
)

// ErrPasswordMismatch means the password does not match the hash.
var ErrPasswordMismatch = errors.New("password does not match")

// CheckPasswordPolicy returns a message describing why p is not acceptable, or "".
func CheckPasswordPolicy(p string) string {
	switch {
	case len(p) < MinPasswordLen:
		return fmt.Sprintf("must be at least %d characters", MinPasswordLen)
	case len(p) > MaxPasswordLen:
		return fmt.Sprintf("must be at most %d characters", MaxPasswordLen)
	}
	return ""
}

// HashPassword returns the PHC-format argon2id hash of p.
func HashPassword(p string) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("salt: %w", err)
	}
	key := argon2.IDKey([]byte(p), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// VerifyPassword checks p against a hash made by HashPassword, in constant time.
func VerifyPassword(hash, p string) error {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return errors.New("unsupported password hash format")
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return errors.New("unsupported argon2 version")
	}
	var mem, iters uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &mem, &iters, &threads); err != nil {
		return fmt.Errorf("bad argon2 parameters: %w", err)
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return fmt.Errorf("bad salt: %w", err)
	}
	want, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil {
		return fmt.Errorf("bad key: %w", err)
	}
	if len(p) > MaxPasswordLen {
		return ErrPasswordMismatch
	}
	got := argon2.IDKey([]byte(p), salt, iters, mem, threads, uint32(len(want)))
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return ErrPasswordMismatch
	}
	return nil
}
