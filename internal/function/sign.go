package function

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
)

// Request headers of a signed invocation; see the package documentation.
const (
	SignatureHeader = "X-Switchboard-Signature"
	TimestampHeader = "X-Switchboard-Timestamp"
)

// DefaultMaxSkew is the replay window Verify uses when given maxSkew <= 0.
const DefaultMaxSkew = 5 * time.Minute

const signaturePrefix = "sha256="

// Sign returns the X-Switchboard-Signature value for body sent at the Unix
// time ts (the X-Switchboard-Timestamp value): "sha256=" followed by the
// lowercase hex HMAC-SHA256, keyed with secret, of ts + "." + body.
func Sign(secret string, ts int64, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(strconv.AppendInt(nil, ts, 10))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return signaturePrefix + hex.EncodeToString(mac.Sum(nil))
}

// Verify checks a signed invocation, for use in function handlers: header
// and timestamp are the X-Switchboard-Signature and X-Switchboard-Timestamp
// values, body the exact request body, now the receiver's clock. It returns
// ErrSignatureInvalid if the signature does not match (compared in constant
// time) and ErrSignatureExpired if the timestamp is more than maxSkew away
// from now (DefaultMaxSkew when maxSkew <= 0). An empty secret never
// verifies.
//
//	err := function.Verify(secret, r.Header.Get(function.SignatureHeader),
//		r.Header.Get(function.TimestampHeader), body, time.Now(), 0)
func Verify(secret, header, timestamp string, body []byte, now time.Time, maxSkew time.Duration) error {
	if secret == "" {
		return ErrSignatureInvalid
	}
	ts, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return ErrSignatureExpired
	}
	got, ok := strings.CutPrefix(header, signaturePrefix)
	if !ok {
		return ErrSignatureInvalid
	}
	gotMAC, err := hex.DecodeString(got)
	if err != nil {
		return ErrSignatureInvalid
	}
	want, _ := hex.DecodeString(Sign(secret, ts, body)[len(signaturePrefix):])
	if !hmac.Equal(gotMAC, want) {
		return ErrSignatureInvalid
	}
	if maxSkew <= 0 {
		maxSkew = DefaultMaxSkew
	}
	if d := now.Sub(time.Unix(ts, 0)); d > maxSkew || d < -maxSkew {
		return ErrSignatureExpired
	}
	return nil
}
