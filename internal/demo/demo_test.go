package demo_test

import (
	"context"
	"net/netip"
	"slices"
	"testing"

	"github.com/switchboard-cc/switchboard/internal/demo"
	"github.com/switchboard-cc/switchboard/internal/store"
	"github.com/switchboard-cc/switchboard/internal/store/storetest"
)

func TestSeedMakesALocalTrunkOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		dir := t.TempDir()
		res, err := demo.Seed(ctx, st, dir)
		if err != nil {
			t.Fatal(err)
		}
		tr, err := st.Trunks.GetByName(ctx, res.InstanceID, demo.LocalTrunk)
		if err != nil || tr.ID != res.TrunkID {
			t.Fatalf("demo trunk %+v, %v (result says %s)", tr, err, res.TrunkID)
		}
		if !slices.Equal(tr.AllowedSources, []string{"127.0.0.1/32", "::1/128"}) || tr.Username != "" {
			t.Fatalf("demo trunk %+v", tr)
		}
		for _, a := range []string{"127.0.0.1", "::1", "::ffff:127.0.0.1"} {
			if !tr.AdmitsSource(netip.MustParseAddr(a)) {
				t.Errorf("the demo trunk refuses %s", a)
			}
		}
		if tr.AdmitsSource(netip.MustParseAddr("192.0.2.1")) {
			t.Error("the demo trunk admits a remote address")
		}
		again, err := demo.Seed(ctx, st, dir)
		if err != nil || again.TrunkID != res.TrunkID {
			t.Fatalf("seeding again: %+v, %v", again, err)
		}
		if all, err := st.AllTrunks(ctx); err != nil || len(all) != 1 {
			t.Fatalf("trunks after two seeds: %d, %v", len(all), err)
		}
	})
}
