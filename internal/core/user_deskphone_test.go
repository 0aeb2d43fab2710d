package core

import "testing"

// A desk phone's sip: URI keeps its dots; a number is normalised.
func TestNormalizeDeskPhoneNumber(t *testing.T) {
	for in, want := range map[string]string{
		" sip:agent@127.0.0.1:5070 ": "sip:agent@127.0.0.1:5070",
		"sip:1001@pbx.example.com":   "sip:1001@pbx.example.com",
		"+1 (555) 010-0199":          "+15550100199",
	} {
		u := User{Username: "a", PhoneType: PhoneDesk, DeskPhoneNumber: in, SecurityProfileIDs: []string{"sp"}}
		u.Normalize()
		if u.DeskPhoneNumber != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, u.DeskPhoneNumber, want)
		}
		if err := u.Validate(); err != nil {
			t.Errorf("Validate(%q): %v", in, err)
		}
	}
}
