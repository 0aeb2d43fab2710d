package chat

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
)

// TokenKind says what a token grants.
type TokenKind string

// The kinds of token. Each has its own prefix so a token pasted into the
// wrong header fails at once and secret scanners can recognise them.
const (
	// KindParticipant is the participant token StartChat returns: it
	// authenticates /participant/connection for the life of the chat.
	KindParticipant TokenKind = "participant"
	// KindConnection is the connection token /participant/connection
	// returns: it authenticates the other participant endpoints until it
	// expires.
	KindConnection TokenKind = "connection"
	// KindWebSocket authenticates the WebSocket URL /participant/connection
	// returns, until the URL expires.
	KindWebSocket TokenKind = "websocket"
)

var tokenPrefix = map[TokenKind]string{
	KindParticipant: "sbpt_",
	KindConnection:  "sbct_",
	KindWebSocket:   "sbws_",
}

// TokenHash is the SHA-256 of a token: what the Backend stores and looks
// tokens up by. Tokens are 256 random bits, so a fast hash is enough: there
// is nothing to brute-force.
type TokenHash [sha256.Size]byte

// HashToken returns the hash a token is stored under.
func HashToken(token string) TokenHash { return sha256.Sum256([]byte(token)) }

// String is the hash in hex, for stores that keep it as text.
func (h TokenHash) String() string { return hex.EncodeToString(h[:]) }

// newToken returns a fresh random token of the kind and its hash.
func newToken(kind TokenKind) (string, TokenHash) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("chat: crypto/rand failed: " + err.Error()) // never happens on supported platforms
	}
	t := tokenPrefix[kind] + base64.RawURLEncoding.EncodeToString(b[:])
	return t, HashToken(t)
}

// tokenKindOK reports whether token looks like a token of the kind; a
// cheap check before the Backend lookup.
func tokenKindOK(kind TokenKind, token string) bool {
	return len(token) < 200 && strings.HasPrefix(token, tokenPrefix[kind])
}
