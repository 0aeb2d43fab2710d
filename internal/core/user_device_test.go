package core

import (
	"encoding/json"
	"strings"
	"testing"
)

// The secret column holds the bare hash without a device password (as
// before device passwords existed) and a JSON object with one; both read
// back, and a stored bare hash still reads as a user without a device.
func TestUserSecretRoundTrip(t *testing.T) {
	const hash = "$argon2id$v=19$m=65536,t=3,p=2$c2FsdA$aGFzaA"
	for _, c := range []struct {
		name, device string
		bare         bool
	}{
		{"password only", "", true},
		{"with a device password", "desk-s3cret \"quoted\" {json}", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			u := User{PasswordHash: hash, DevicePassword: c.device}
			s := u.SecretValue()
			if (s == hash) != c.bare {
				t.Fatalf("SecretValue() = %q; want the bare hash: %v", s, c.bare)
			}
			if !c.bare && !json.Valid([]byte(s)) {
				t.Fatalf("SecretValue() = %q, not JSON", s)
			}
			var got User
			got.SetSecretValue(s)
			if got.PasswordHash != hash || got.DevicePassword != c.device || got.HasDevicePassword != (c.device != "") {
				t.Fatalf("SetSecretValue(%q) = hash %q, device %q, has %v", s, got.PasswordHash, got.DevicePassword, got.HasDevicePassword)
			}
		})
	}
	t.Run("no secret", func(t *testing.T) {
		u := User{DevicePassword: "x", HasDevicePassword: true}
		u.SetSecretValue("")
		if u.PasswordHash != "" || u.DevicePassword != "" || u.HasDevicePassword || (&User{}).SecretValue() != "" {
			t.Fatalf("empty secret: %+v", u)
		}
	})
	t.Run("device password without a login password", func(t *testing.T) {
		var u User
		u.SetSecretValue((&User{DevicePassword: "desk-s3cret"}).SecretValue())
		if u.PasswordHash != "" || u.DevicePassword != "desk-s3cret" {
			t.Fatalf("got %+v", u)
		}
	})
	t.Run("not JSON", func(t *testing.T) {
		var u User
		u.SetSecretValue("{broken")
		if u.PasswordHash != "{broken" || u.DevicePassword != "" {
			t.Fatalf("got %+v", u)
		}
	})
}

// The device password is write-only: Redact drops it and the JSON form
// carries only hasDevicePassword.
func TestUserDevicePasswordIsWriteOnly(t *testing.T) {
	u := User{Username: "a", Password: "pw", DevicePassword: "desk-s3cret", HasDevicePassword: true}
	u.Redact()
	b, err := json.Marshal(&u)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "desk-s3cret") || strings.Contains(string(b), `"password"`) ||
		!strings.Contains(string(b), `"hasDevicePassword":true`) {
		t.Fatalf("redacted user = %s", b)
	}
}

func TestUserDevicePasswordValidation(t *testing.T) {
	for _, c := range []struct {
		pw string
		ok bool
	}{
		{"", true}, // none: kept or absent
		{"12345678", true},
		{strings.Repeat("é", 128), true}, // characters, not bytes
		{"1234567", false},
		{strings.Repeat("x", 129), false},
		{"desk\tpassword", false},
		{"desk\npassword", false},
		{"desk\x00password", false},
		{"desk\u0085password", false},
	} {
		u := User{Username: "a", SecurityProfileIDs: []string{"sp"}, DevicePassword: c.pw}
		u.Normalize()
		err := u.Validate()
		if (err == nil) != c.ok {
			t.Errorf("Validate(devicePassword %q) = %v, want ok %v", c.pw, err, c.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "devicePassword") {
			t.Errorf("Validate(devicePassword %q) = %v, want a devicePassword error", c.pw, err)
		}
	}
}

// sip:registered (any case) is a valid desk phone: the registered device.
func TestDeskPhoneRegistered(t *testing.T) {
	for _, in := range []string{"sip:registered", " SIP:Registered "} {
		u := User{Username: "a", SecurityProfileIDs: []string{"sp"}, PhoneType: PhoneDesk, DeskPhoneNumber: in}
		u.Normalize()
		if u.DeskPhoneNumber != DeskPhoneRegistered {
			t.Errorf("Normalize(%q) = %q, want %q", in, u.DeskPhoneNumber, DeskPhoneRegistered)
		}
		if err := u.Validate(); err != nil {
			t.Errorf("Validate(%q): %v", in, err)
		}
	}
	u := User{Username: "a", SecurityProfileIDs: []string{"sp"}, PhoneType: PhoneDesk}
	u.Normalize()
	if err := u.Validate(); err == nil || !strings.Contains(err.Error(), "deskPhoneNumber") {
		t.Errorf("a desk phone without a number: %v, want a deskPhoneNumber error", err)
	}
}
