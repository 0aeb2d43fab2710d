package store_test

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/switchboard-cc/switchboard/internal/core"
	"github.com/switchboard-cc/switchboard/internal/store"
	"github.com/switchboard-cc/switchboard/internal/store/storetest"
)

func TestTrunkPasswordIsKeptApartAndKeptOnUpdate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		inst := newInstance(t, st, "acme")
		tr := &core.Trunk{Name: " carrier ", AllowedSources: []string{"192.0.2.10"}, Username: "pbx", Password: "s3cret-pw"}
		if err := st.Trunks.Create(ctx, inst, tr); err != nil {
			t.Fatal(err)
		}
		if tr.Name != "carrier" || tr.AllowedSources[0] != "192.0.2.10/32" || tr.Realm != core.DefaultTrunkRealm || !tr.HasPassword {
			t.Fatalf("created %+v", tr)
		}
		var body string
		if err := st.DB().QueryRowContext(ctx, `SELECT body FROM trunks WHERE id = $1`, tr.ID).Scan(&body); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(body, "s3cret-pw") || strings.Contains(body, `"password"`) {
			t.Fatalf("the password is in the body: %s", body)
		}
		got, err := st.Trunks.GetByName(ctx, inst, "carrier")
		if err != nil || got.Password != "s3cret-pw" || !got.HasPassword {
			t.Fatalf("read back %+v, %v", got, err)
		}
		got.Password, got.Transport = "", core.TransportTCP // an update without the password keeps it
		if err := st.Trunks.Update(ctx, inst, got, got.Version); err != nil {
			t.Fatal(err)
		}
		again, _ := st.Trunks.Get(ctx, inst, tr.ID)
		if again.Password != "s3cret-pw" || again.Transport != core.TransportTCP || again.Version != 2 {
			t.Fatalf("after update %+v", again)
		}
		// Dropping the username drops the password with it.
		again.Username, again.Password = "", ""
		if err := st.Trunks.Update(ctx, inst, again, 0); err != nil {
			t.Fatal(err)
		}
		if dropped, _ := st.Trunks.Get(ctx, inst, tr.ID); dropped.Password != "" || dropped.HasPassword {
			t.Fatalf("a trunk without a username kept its password: %+v", dropped)
		}
		// Giving it a username again needs a password.
		again.Username = "pbx2"
		var ve *core.ValidationError
		if err := st.Trunks.Update(ctx, inst, again, 0); !errors.As(err, &ve) || ve.Errors[0].Field != "password" {
			t.Fatalf("a username without any password: %v", err)
		}
		// Names are unique per instance.
		dup := &core.Trunk{Name: "carrier", AllowedSources: []string{"::1"}}
		var ce *store.ConflictError
		if err := st.Trunks.Create(ctx, inst, dup); !errors.As(err, &ce) || ce.Field != "name" {
			t.Fatalf("duplicate name: %v", err)
		}
	})
}

func TestAllTrunksSpansInstancesWithPasswords(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		if all, err := st.AllTrunks(ctx); err != nil || len(all) != 0 {
			t.Fatalf("no trunks yet: %v, %v", all, err)
		}
		a, b := newInstance(t, st, "a"), newInstance(t, st, "b")
		want := map[string]string{} // trunk ID -> instance
		for _, c := range []struct {
			inst string
			tr   *core.Trunk
		}{
			{a, &core.Trunk{Name: "local", AllowedSources: []string{"127.0.0.1", "::1"}}},
			{a, &core.Trunk{Name: "pbx", Username: "pbx-a", Password: "pw-a"}},
			{b, &core.Trunk{Name: "pbx", Username: "pbx-b", Password: "pw-b", AllowedSources: []string{"198.51.100.0/24"}}},
		} {
			if err := st.Trunks.Create(ctx, c.inst, c.tr); err != nil {
				t.Fatal(err)
			}
			want[c.tr.ID] = c.inst
		}
		all, err := st.AllTrunks(ctx)
		if err != nil || len(all) != 3 {
			t.Fatalf("AllTrunks: %d trunks, %v", len(all), err)
		}
		for i, tr := range all {
			if want[tr.ID] != tr.InstanceID || tr.Version != 1 || tr.CreatedAt.IsZero() {
				t.Fatalf("trunk %s: meta %+v", tr.Name, tr.Meta)
			}
			if i > 0 && all[i-1].InstanceID > tr.InstanceID {
				t.Fatal("trunks are not ordered by instance")
			}
			switch {
			case tr.Username == "":
				if tr.HasPassword || !tr.AdmitsSource(netip.MustParseAddr("::ffff:127.0.0.1")) {
					t.Fatalf("local trunk %+v", tr)
				}
			case tr.Password != "pw-"+tr.Username[len("pbx-"):] || !tr.HasPassword:
				t.Fatalf("trunk %s of %s has password %q", tr.Name, tr.InstanceID, tr.Password)
			}
		}
		// Deleting an instance deletes its trunks.
		if err := st.DeleteInstance(ctx, b); err != nil {
			t.Fatal(err)
		}
		if all, err := st.AllTrunks(ctx); err != nil || len(all) != 2 || all[0].InstanceID != a || all[1].InstanceID != a {
			t.Fatalf("after deleting b: %+v, %v", all, err)
		}
	})
}
