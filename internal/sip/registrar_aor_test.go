package sip

import "testing"

// A Registrar's Credentials.AOR is the key the bindings are stored and
// looked up under, instead of the To user: a registrar serving several
// tenants keeps their equal usernames apart.
func TestRegisterCredentialsAOR(t *testing.T) {
	h := newRegHandler()
	c := h.creds["1001"]
	c.AOR = "instance-1/user-1"
	h.creds["1001"] = c
	s := startServer(t, Config{}, h)
	if err := register(t, s, "register.xml", "sip:1001@192.168.1.20:5062", "300", "desk-s3cret"); err != nil {
		t.Fatal(err)
	}
	mustLookup(t, s, "1001", 0)
	if b := mustLookup(t, s, "instance-1/user-1", 1)[0]; b.Contact != "sip:1001@192.168.1.20:5062" {
		t.Errorf("binding = %+v", b)
	}
	// The wildcard removal finds them under the same key.
	if err := register(t, s, "unregister_all.xml", "", "0", "desk-s3cret"); err != nil {
		t.Fatal(err)
	}
	mustLookup(t, s, "instance-1/user-1", 0)
}
