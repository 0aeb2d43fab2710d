package core

import (
	"encoding/json"
	"strings"
	"unicode"
)

// Phone types for an agent's audio.
const (
	PhoneSoft = "SOFT_PHONE" // WebRTC in the browser
	PhoneDesk = "DESK_PHONE" // a SIP device or any number through a trunk
)

// DeskPhoneRegistered, as a DESK_PHONE user's DeskPhoneNumber, means "the
// SIP device registered with my username and device password": calls to the
// agent go to where that device last registered from, rather than to a
// fixed URI or number.
const DeskPhoneRegistered = "sip:registered"

// Bounds of a user's device password (DevicePassword).
const (
	MinDevicePasswordLen = 8
	MaxDevicePasswordLen = 128
)

// User is a person who logs in: an agent, a supervisor or an administrator,
// depending on their security profiles.
type User struct {
	Meta
	Username           string   `json:"username"`
	FirstName          string   `json:"firstName,omitempty"`
	LastName           string   `json:"lastName,omitempty"`
	Email              string   `json:"email,omitempty"`
	SecurityProfileIDs []string `json:"securityProfileIds"`
	RoutingProfileID   string   `json:"routingProfileId,omitempty"`
	// PhoneType is SOFT_PHONE (browser) or DESK_PHONE (DeskPhoneNumber is dialled).
	PhoneType       string `json:"phoneType"`
	DeskPhoneNumber string `json:"deskPhoneNumber,omitempty"`
	// AutoAccept connects offered contacts without the agent accepting.
	AutoAccept bool `json:"autoAccept"`
	// AfterContactWorkTimeoutSeconds ends after-contact work automatically; 0 means no limit.
	AfterContactWorkTimeoutSeconds int `json:"afterContactWorkTimeoutSeconds"`

	// Password is write-only: accepted on create and update, hashed, never
	// stored or returned. An update without it keeps the current password.
	Password string `json:"password,omitempty"`
	// PasswordHash is the PHC-encoded argon2id hash; never serialised.
	PasswordHash string `json:"-"`

	// DevicePassword is the digest password of the agent's SIP desk phone,
	// which registers with the user's username as its address of record.
	// Write-only, like a trunk's password: digest authentication needs the
	// plaintext, so it is stored as is (with PasswordHash, in the secret
	// column) and returned only as HasDevicePassword. An update without it
	// keeps the stored one.
	DevicePassword    string `json:"devicePassword,omitempty"`
	HasDevicePassword bool   `json:"hasDevicePassword"`
}

func (u *User) ResourceName() string { return u.Username }

func (u *User) Normalize() {
	u.Username = strings.TrimSpace(u.Username)
	u.Email = strings.TrimSpace(u.Email)
	if u.PhoneType == "" {
		u.PhoneType = PhoneSoft
	}
	if u.SecurityProfileIDs == nil {
		u.SecurityProfileIDs = []string{}
	}
	if u.PhoneType == PhoneDesk {
		u.DeskPhoneNumber = strings.TrimSpace(u.DeskPhoneNumber)
		switch {
		case strings.EqualFold(u.DeskPhoneNumber, DeskPhoneRegistered):
			u.DeskPhoneNumber = DeskPhoneRegistered
		case !strings.HasPrefix(u.DeskPhoneNumber, "sip:"): // a URI keeps its dots
			u.DeskPhoneNumber = NormalizeE164(u.DeskPhoneNumber)
		}
	}
}

func (u *User) Validate() error {
	var c checker
	c.name("username", u.Username, 64)
	if strings.ContainsAny(u.Username, " /\\:") {
		c.add("username", "must not contain spaces, slashes or colons")
	}
	c.maxLen("firstName", u.FirstName, 100)
	c.maxLen("lastName", u.LastName, 100)
	if u.Email != "" && (!strings.Contains(u.Email, "@") || len(u.Email) > 254) {
		c.add("email", "is not an email address")
	}
	c.check(len(u.SecurityProfileIDs) > 0, "securityProfileIds", "needs at least one security profile")
	c.oneOf("phoneType", u.PhoneType, PhoneSoft, PhoneDesk)
	if u.PhoneType == PhoneDesk {
		if !ValidE164(u.DeskPhoneNumber) && !strings.HasPrefix(u.DeskPhoneNumber, "sip:") {
			c.add("deskPhoneNumber", "must be an E.164 number, a sip: URI or "+DeskPhoneRegistered+" (the registered device) for a desk phone")
		}
	}
	if u.DevicePassword != "" {
		n := len([]rune(u.DevicePassword))
		c.check(n >= MinDevicePasswordLen && n <= MaxDevicePasswordLen, "devicePassword",
			"must be %d to %d characters", MinDevicePasswordLen, MaxDevicePasswordLen)
		c.check(!strings.ContainsFunc(u.DevicePassword, unicode.IsControl), "devicePassword",
			"must not contain control characters")
	}
	c.check(u.AfterContactWorkTimeoutSeconds >= 0 && u.AfterContactWorkTimeoutSeconds <= 2_000_000,
		"afterContactWorkTimeoutSeconds", "must be between 0 and 2000000")
	return c.err()
}

func (u *User) References() []Ref {
	refs := make([]Ref, 0, len(u.SecurityProfileIDs)+1)
	for i, id := range u.SecurityProfileIDs {
		refs = append(refs, Ref{Field: fieldIndex("securityProfileIds", i), Kind: KindSecurityProfile, ID: id})
	}
	if u.RoutingProfileID != "" {
		refs = append(refs, Ref{Field: "routingProfileId", Kind: KindRoutingProfile, ID: u.RoutingProfileID})
	}
	return refs
}

// userSecret is the secret column of a user with a device password. A user
// without one stores the bare PHC hash, as before device passwords existed:
// a hash starts with '$', never with '{', so both forms read back.
type userSecret struct {
	PasswordHash   string `json:"passwordHash"`
	DevicePassword string `json:"devicePassword"`
}

// SecretValue is the user's stored secret: the password hash alone, or with
// a device password both in a small JSON object (see userSecret).
func (u *User) SecretValue() string {
	if u.DevicePassword == "" {
		return u.PasswordHash
	}
	b, err := json.Marshal(userSecret{PasswordHash: u.PasswordHash, DevicePassword: u.DevicePassword})
	if err != nil { // two strings: cannot happen
		return u.PasswordHash
	}
	return string(b)
}

// SetSecretValue reads either form SecretValue writes. A '{' that is not
// valid JSON is kept as the hash, which then verifies no password.
func (u *User) SetSecretValue(s string) {
	u.PasswordHash, u.DevicePassword = s, ""
	if strings.HasPrefix(s, "{") {
		var us userSecret
		if err := json.Unmarshal([]byte(s), &us); err == nil {
			u.PasswordHash, u.DevicePassword = us.PasswordHash, us.DevicePassword
		}
	}
	u.HasDevicePassword = u.DevicePassword != ""
}

// Redact removes write-only fields before the user is returned to a client.
func (u *User) Redact() { u.Password, u.DevicePassword = "", "" }
