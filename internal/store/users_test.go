package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/switchboard-cc/switchboard/internal/core"
	"github.com/switchboard-cc/switchboard/internal/store"
	"github.com/switchboard-cc/switchboard/internal/store/storetest"
)

// A user's password hash and device password share the secret column; an
// older row holding a bare hash still reads; UsersNamed finds a username in
// every instance, secrets included.
func TestUserSecretsAndUsersNamed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		a, b := newInstance(t, st, "a"), newInstance(t, st, "b")
		create := func(inst, name, hash, device string) *core.User {
			t.Helper()
			sps, err := st.SecurityProfiles.All(ctx, inst)
			if err != nil || len(sps) == 0 {
				t.Fatalf("security profiles: %v, %v", sps, err)
			}
			u := &core.User{Username: name, SecurityProfileIDs: []string{sps[0].ID}, PasswordHash: hash, DevicePassword: device}
			if err := st.Users.Create(ctx, inst, u); err != nil {
				t.Fatal(err)
			}
			return u
		}
		create(a, "desk", "$argon2id$a", "device-pw-a")
		create(b, "desk", "$argon2id$b", "")
		create(b, "other", "$argon2id$c", "device-pw-c")

		us, err := st.UsersNamed(ctx, "desk")
		if err != nil || len(us) != 2 {
			t.Fatalf("UsersNamed(desk): %d users, %v", len(us), err)
		}
		for _, u := range us {
			want := map[string][2]string{a: {"$argon2id$a", "device-pw-a"}, b: {"$argon2id$b", ""}}[u.InstanceID]
			if u.PasswordHash != want[0] || u.DevicePassword != want[1] || u.HasDevicePassword != (want[1] != "") {
				t.Errorf("user desk of %s: hash %q, device password %q (has %v); want %q", u.InstanceID,
					u.PasswordHash, u.DevicePassword, u.HasDevicePassword, want)
			}
		}
		if us, err := st.UsersNamed(ctx, "nobody"); err != nil || len(us) != 0 {
			t.Fatalf("UsersNamed(nobody): %v, %v", us, err)
		}
		// The public body holds neither secret.
		var body string
		if err := st.DB().QueryRowContext(ctx, `SELECT body FROM users WHERE instance_id = $1 AND name = 'desk'`, a).Scan(&body); err != nil {
			t.Fatal(err)
		}
		for _, secret := range []string{"device-pw-a", "argon2id"} {
			if strings.Contains(body, secret) {
				t.Errorf("the body %s holds %q", body, secret)
			}
		}
	})
}
