package core

import "strings"

// Phone types for an agent's audio.
const (
	PhoneSoft = "SOFT_PHONE" // WebRTC in the browser
	PhoneDesk = "DESK_PHONE" // a SIP device or any number through a trunk
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
		if !strings.HasPrefix(u.DeskPhoneNumber, "sip:") { // a URI keeps its dots
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
			c.add("deskPhoneNumber", "must be an E.164 number or a sip: URI for a desk phone")
		}
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

func (u *User) SecretValue() string     { return u.PasswordHash }
func (u *User) SetSecretValue(s string) { u.PasswordHash = s }

// Redact removes write-only fields before the user is returned to a client.
func (u *User) Redact() { u.Password = "" }
