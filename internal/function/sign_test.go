package function

import (
	"errors"
	"strconv"
	"testing"
	"time"
)

func TestVerifyRoundTrip(t *testing.T) {
	const secret = "s3cret"
	body := []byte(`{"Details":{},"Name":"ContactFlowEvent"}`)
	now := time.Unix(1_700_000_000, 0)
	ts := strconv.FormatInt(now.Unix(), 10)
	sig := Sign(secret, now.Unix(), body)

	if err := Verify(secret, sig, ts, body, now.Add(30*time.Second), time.Minute); err != nil {
		t.Fatalf("valid signature: %v", err)
	}
	for name, tc := range map[string]struct {
		secret, sig, ts string
		body            []byte
		now             time.Time
		want            error
	}{
		"tampered body":           {secret, sig, ts, []byte(`{"Details":{},"Name":"ContactFlowEvenT"}`), now, ErrSignatureInvalid},
		"tampered timestamp":      {secret, sig, strconv.FormatInt(now.Unix()+1, 10), body, now, ErrSignatureInvalid},
		"wrong secret":            {"other", sig, ts, body, now, ErrSignatureInvalid},
		"empty secret":            {"", Sign("", now.Unix(), body), ts, body, now, ErrSignatureInvalid},
		"missing signature":       {secret, "", ts, body, now, ErrSignatureInvalid},
		"no sha256= prefix":       {secret, sig[len("sha256="):], ts, body, now, ErrSignatureInvalid},
		"not hex":                 {secret, "sha256=zz", ts, body, now, ErrSignatureInvalid},
		"truncated":               {secret, sig[:len(sig)-2], ts, body, now, ErrSignatureInvalid},
		"replayed after window":   {secret, sig, ts, body, now.Add(61 * time.Second), ErrSignatureExpired},
		"timestamp in the future": {secret, sig, ts, body, now.Add(-61 * time.Second), ErrSignatureExpired},
		"missing timestamp":       {secret, sig, "", body, now, ErrSignatureExpired},
		"malformed timestamp":     {secret, sig, "12ab", body, now, ErrSignatureExpired},
	} {
		if err := Verify(tc.secret, tc.sig, tc.ts, tc.body, tc.now, time.Minute); !errors.Is(err, tc.want) {
			t.Errorf("%s: Verify = %v, want %v", name, err, tc.want)
		}
	}
}

func TestVerifyDefaultWindow(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	sig := Sign("k", now.Unix(), nil)
	ts := strconv.FormatInt(now.Unix(), 10)
	if err := Verify("k", sig, ts, nil, now.Add(DefaultMaxSkew), 0); err != nil {
		t.Errorf("at the edge of the default window: %v", err)
	}
	if err := Verify("k", sig, ts, nil, now.Add(DefaultMaxSkew+time.Second), 0); !errors.Is(err, ErrSignatureExpired) {
		t.Errorf("past the default window: %v", err)
	}
}
