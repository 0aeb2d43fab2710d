package app

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/core"
	"github.com/switchboard-cc/switchboard/internal/sip"
	"github.com/switchboard-cc/switchboard/internal/store"
	"github.com/switchboard-cc/switchboard/internal/store/storetest"
)

// A REGISTER's AOR is a username; its To host names the instance (by ID or
// alias) or, when it names none, the username must be unique among the
// users with a device password. The bindings key is instance/user ID.
func TestDeviceCredentials(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		acme, beta := &core.Instance{Alias: "acme"}, &core.Instance{Alias: "beta"}
		users := map[string]*core.User{} // "alias/username" -> user
		for _, in := range []*core.Instance{acme, beta} {
			if err := st.CreateInstance(ctx, in); err != nil {
				t.Fatal(err)
			}
			sps, err := st.SecurityProfiles.All(ctx, in.ID)
			if err != nil || len(sps) == 0 {
				t.Fatalf("security profiles: %v, %v", sps, err)
			}
			for _, u := range []*core.User{
				{Username: "desk", DevicePassword: "desk-pw-" + in.Alias},
				{Username: "nodevice"},
				{Username: "solo-" + in.Alias, DevicePassword: "solo-pw-" + in.Alias},
			} {
				u.SecurityProfileIDs = []string{sps[0].ID}
				if err := st.Users.Create(ctx, in.ID, u); err != nil {
					t.Fatal(err)
				}
				users[in.Alias+"/"+u.Username] = u
			}
		}
		// "nodevice" of beta has no device password, acme's has one: unique.
		u := users["acme/nodevice"]
		u.DevicePassword = "late-device-pw"
		if err := st.Users.Update(ctx, acme.ID, u, u.Version); err != nil {
			t.Fatal(err)
		}
		v := &voiceChannel{cc: &contactCenter{st: st}, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
		for _, c := range []struct {
			user, host string
			want       string // "alias/username", or "" for unknown
		}{
			{"solo-beta", "127.0.0.1", "beta/solo-beta"},
			{"solo-beta", "sip.example.com", "beta/solo-beta"},
			{"solo-acme", "[::1]", "acme/solo-acme"},
			{"nodevice", "127.0.0.1", "acme/nodevice"}, // the only one with a device password
			{"desk", "127.0.0.1", ""},                  // two instances have a desk: ambiguous
			{"desk", "acme", "acme/desk"},
			{"desk", "BETA", "beta/desk"},
			{"desk", acme.ID, "acme/desk"},
			{"desk", "gamma", ""},       // names no instance: ambiguous
			{"solo-beta", "acme", ""},   // the instance named has no such user
			{"nodevice", "beta", ""},    // no device password
			{"nobody", "127.0.0.1", ""}, // no such user
			{"", "acme", ""},
		} {
			creds, ok := v.DeviceCredentials(ctx, sip.Request{ToUser: c.user, ToHost: c.host})
			if c.want == "" {
				if ok {
					t.Errorf("%s@%s: known as %+v, want unknown", c.user, c.host, creds)
				}
				continue
			}
			want := users[c.want]
			if !ok || creds.Username != want.Username || creds.Password != want.DevicePassword ||
				creds.Realm != sip.DefaultRealm || creds.AOR != deviceAOR(want.InstanceID, want.ID) {
				t.Errorf("%s@%s: %+v, %v; want %s's device password, realm %s, AOR %s", c.user, c.host, creds, ok,
					c.want, sip.DefaultRealm, deviceAOR(want.InstanceID, want.ID))
			}
		}
	})
}

func TestLatestBindingExpiresLast(t *testing.T) {
	now := time.Now()
	bs := []sip.Binding{
		{Contact: "sip:a@192.0.2.1", Expires: now.Add(time.Minute)},
		{Contact: "sip:b@192.0.2.2", Expires: now.Add(time.Hour)},
		{Contact: "sip:c@192.0.2.3", Expires: now.Add(30 * time.Minute)},
	}
	if got := latestBinding(bs); got.Contact != "sip:b@192.0.2.2" {
		t.Fatalf("latestBinding = %s, want the one that expires last", got.Contact)
	}
	if got := latestBinding(bs[:1]); got.Contact != "sip:a@192.0.2.1" {
		t.Fatalf("latestBinding of one = %s", got.Contact)
	}
}
