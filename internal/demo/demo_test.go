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

// The demo's Support queue lists a quick connect to itself, so its agents
// are offered a transfer target in the CCP; seeding again keeps what an
// admin changed (a removed association stays removed).
func TestSeedOffersTheSupportQueueAsAQuickConnect(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		dir := t.TempDir()
		res, err := demo.Seed(ctx, st, dir)
		if err != nil {
			t.Fatal(err)
		}
		q, err := st.Queues.Get(ctx, res.InstanceID, res.QueueID)
		if err != nil || len(q.QuickConnectIDs) != 1 {
			t.Fatalf("the Support queue lists %v (%v), want one quick connect", q.QuickConnectIDs, err)
		}
		qc, err := st.QuickConnects.Get(ctx, res.InstanceID, q.QuickConnectIDs[0])
		if err != nil || qc.Type != "QUEUE" || qc.QueueID != q.ID {
			t.Fatalf("the listed quick connect %+v (%v), want one to the Support queue", qc, err)
		}
		q.QuickConnectIDs = nil
		if err := st.Queues.Update(ctx, res.InstanceID, q, q.Version); err != nil {
			t.Fatal(err)
		}
		if _, err := demo.Seed(ctx, st, dir); err != nil {
			t.Fatalf("seeding again: %v", err)
		}
		if q, err = st.Queues.Get(ctx, res.InstanceID, res.QueueID); err != nil || len(q.QuickConnectIDs) != 0 {
			t.Errorf("seeding again listed %v (%v) on the queue the admin changed", q.QuickConnectIDs, err)
		}
	})
}
