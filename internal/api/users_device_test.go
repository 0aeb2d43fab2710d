package api

import (
	"context"
	"testing"

	"github.com/switchboard-cc/switchboard/internal/auth"
	"github.com/switchboard-cc/switchboard/internal/store"
	"github.com/switchboard-cc/switchboard/internal/store/storetest"
)

// setDevicePassword gives instance a's seeded user a device password
// behind the client's back.
func setDevicePassword(t *testing.T, f *fixture) {
	t.Helper()
	u := get(t, f.st.Users, f.id("a"), f.id("a.user"))
	u.DevicePassword = "desk-s3cret"
	mustDo(t, f.st.Users.Update(context.Background(), f.id("a"), u, u.Version))
}

// A user's device password (the digest password of their registered desk
// phone) is write-only, and it and the login password are each kept by an
// update that leaves them out.
var deviceScenarios = []scenario{
	{name: "create a desk-phone user with a device password", method: "POST", path: "/api/v1/instances/{a}/users", key: "a",
		body: `{"username":"desk1","securityProfileIds":["{a.sp.agent}"],"password":"correct horse battery",` +
			`"phoneType":"DESK_PHONE","deskPhoneNumber":"sip:registered","devicePassword":"desk-s3cret"}`,
		status: 201, want: []string{`"hasDevicePassword":true`, `"deskPhoneNumber":"sip:registered"`},
		not: []string{"desk-s3cret", `"devicePassword"`, "argon2"},
		check: func(t *testing.T, f *fixture, r *response) {
			u := get(t, f.st.Users, f.id("a"), createdID(t, r))
			if u.DevicePassword != "desk-s3cret" || !u.HasDevicePassword {
				t.Fatalf("stored device password %q (has %v)", u.DevicePassword, u.HasDevicePassword)
			}
			if err := auth.VerifyPassword(u.PasswordHash, "correct horse battery"); err != nil {
				t.Fatalf("the login password does not verify: %v", err)
			}
		}},
	{name: "a user without a device password says so", method: "GET", path: "/api/v1/instances/{a}/users/{a.user}", key: "a",
		status: 200, want: []string{`"hasDevicePassword":false`}, not: []string{"devicePassword\""}},
	{name: "get user shows that it has a device password, not the password", method: "GET", path: "/api/v1/instances/{a}/users/{a.user}",
		key: "a", setup: setDevicePassword, status: 200, want: []string{`"hasDevicePassword":true`}, not: []string{"desk-s3cret"}},
	{name: "list users hides device passwords", method: "GET", path: "/api/v1/instances/{a}/users", key: "a",
		setup: setDevicePassword, status: 200, want: []string{`"hasDevicePassword":true`}, not: []string{"desk-s3cret"}},
	{name: "update user with a device password keeps the login password", method: "PUT", path: "/api/v1/instances/{a}/users/{a.user}", key: "a",
		body:   `{"username":"alice","securityProfileIds":["{a.sp.agent}"],"devicePassword":"desk-s3cret"}`,
		status: 200, want: []string{`"hasDevicePassword":true`}, not: []string{"desk-s3cret"},
		check: func(t *testing.T, f *fixture, r *response) {
			u := get(t, f.st.Users, f.id("a"), f.id("a.user"))
			if u.PasswordHash != seededPasswordHash || u.DevicePassword != "desk-s3cret" {
				t.Fatalf("stored hash %q, device password %q", u.PasswordHash, u.DevicePassword)
			}
		}},
	{name: "update user without a device password keeps the stored one", method: "PUT", path: "/api/v1/instances/{a}/users/{a.user}", key: "a",
		setup:  setDevicePassword,
		body:   `{"username":"alice","firstName":"Alice","securityProfileIds":["{a.sp.agent}"]}`,
		status: 200, want: []string{`"hasDevicePassword":true`, `"firstName":"Alice"`}, not: []string{"desk-s3cret"},
		check: func(t *testing.T, f *fixture, r *response) {
			u := get(t, f.st.Users, f.id("a"), f.id("a.user"))
			if u.PasswordHash != seededPasswordHash || u.DevicePassword != "desk-s3cret" {
				t.Fatalf("stored hash %q, device password %q", u.PasswordHash, u.DevicePassword)
			}
		}},
	{name: "update user's login password keeps the device password", method: "PUT", path: "/api/v1/instances/{a}/users/{a.user}", key: "a",
		setup:  setDevicePassword,
		body:   `{"username":"alice","securityProfileIds":["{a.sp.agent}"],"password":"a new passphrase"}`,
		status: 200, want: []string{`"hasDevicePassword":true`}, not: []string{"desk-s3cret", "a new passphrase"},
		check: func(t *testing.T, f *fixture, r *response) {
			u := get(t, f.st.Users, f.id("a"), f.id("a.user"))
			if err := auth.VerifyPassword(u.PasswordHash, "a new passphrase"); err != nil || u.DevicePassword != "desk-s3cret" {
				t.Fatalf("new password verifies: %v; device password %q", err, u.DevicePassword)
			}
		}},
	{name: "update user's device password replaces it", method: "PUT", path: "/api/v1/instances/{a}/users/{a.user}", key: "a",
		setup:  setDevicePassword,
		body:   `{"username":"alice","securityProfileIds":["{a.sp.agent}"],"devicePassword":"another-s3cret"}`,
		status: 200, not: []string{"another-s3cret"},
		check: func(t *testing.T, f *fixture, r *response) {
			u := get(t, f.st.Users, f.id("a"), f.id("a.user"))
			if u.PasswordHash != seededPasswordHash || u.DevicePassword != "another-s3cret" {
				t.Fatalf("stored hash %q, device password %q", u.PasswordHash, u.DevicePassword)
			}
		}},
	{name: "a short device password is refused", method: "PUT", path: "/api/v1/instances/{a}/users/{a.user}", key: "a",
		body:   `{"username":"alice","securityProfileIds":["{a.sp.agent}"],"devicePassword":"short"}`,
		status: 422, field: "devicePassword", not: []string{`"short"`}},
	{name: "a device password with a control character is refused", method: "POST", path: "/api/v1/instances/{a}/users", key: "a",
		body:   `{"username":"desk2","securityProfileIds":["{a.sp.agent}"],"password":"correct horse battery","devicePassword":"desk\u0007s3cret"}`,
		status: 422, field: "devicePassword"},
}

func TestUserDevicePassword(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		runScenarios(t, newTestEnv(t, st), deviceScenarios)
	})
}
