package auth

import (
	"errors"
	"strings"
	"testing"
)

func TestPasswordHashRoundTrip(t *testing.T) {
	h, err := HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$") {
		t.Fatalf("hash %q is not PHC argon2id", h)
	}
	if err := VerifyPassword(h, "correct horse battery"); err != nil {
		t.Fatalf("right password rejected: %v", err)
	}
	if err := VerifyPassword(h, "wrong horse battery"); !errors.Is(err, ErrPasswordMismatch) {
		t.Fatalf("wrong password: got %v, want ErrPasswordMismatch", err)
	}
	h2, _ := HashPassword("correct horse battery")
	if h2 == h {
		t.Fatal("two hashes of one password are equal: salt not random")
	}
}

func TestVerifyPasswordRejectsMalformedHashes(t *testing.T) {
	for _, h := range []string{"", "plain", "$argon2i$v=19$m=1,t=1,p=1$AAAA$AAAA", "$argon2id$v=19$m=x$AAAA$AAAA", "$argon2id$v=19$m=1,t=1,p=1$!!$AAAA"} {
		if err := VerifyPassword(h, "whatever1"); err == nil {
			t.Errorf("hash %q accepted", h)
		}
	}
}

func TestAPIKeyShapeAndHash(t *testing.T) {
	k, prefix, hash := NewAPIKey()
	if !strings.HasPrefix(k, KeyPrefix) || !strings.HasPrefix(k, prefix) || len(k) < 40 {
		t.Fatalf("key %q prefix %q", k, prefix)
	}
	if HashAPIKey(k) != hash || len(hash) != 64 {
		t.Fatalf("hash mismatch")
	}
	k2, _, _ := NewAPIKey()
	if k == k2 {
		t.Fatal("keys repeat")
	}
	if !ValidKeyShape(k) || ValidKeyShape("short") || ValidKeyShape(k+" x") {
		t.Fatal("ValidKeyShape wrong")
	}
}

func TestPasswordPolicy(t *testing.T) {
	if CheckPasswordPolicy("short") == "" || CheckPasswordPolicy(strings.Repeat("x", 300)) == "" || CheckPasswordPolicy("longenough") != "" {
		t.Fatal("policy wrong")
	}
}
