package store_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/core"
	"github.com/switchboard-cc/switchboard/internal/store"
	"github.com/switchboard-cc/switchboard/internal/store/storetest"
)

func TestOutboxLeaseHasOneOwnerUntilItExpiresOrIsReleased(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		take := func(owner string, ttl time.Duration) bool {
			t.Helper()
			ok, err := st.AcquireOutboxLease(ctx, "relay", owner, ttl)
			if err != nil {
				t.Fatal(err)
			}
			return ok
		}
		if !take("a", time.Hour) {
			t.Fatal("a could not take a free lease")
		}
		if !take("a", time.Hour) {
			t.Fatal("a could not renew its lease")
		}
		if take("b", time.Hour) {
			t.Fatal("b took a lease a holds")
		}
		if err := st.ReleaseOutboxLease(ctx, "relay", "b"); err != nil {
			t.Fatal(err)
		}
		if take("b", time.Hour) {
			t.Fatal("b released a's lease")
		}
		if err := st.ReleaseOutboxLease(ctx, "relay", "a"); err != nil {
			t.Fatal(err)
		}
		if !take("b", time.Millisecond) {
			t.Fatal("b could not take a released lease")
		}
		time.Sleep(5 * time.Millisecond)
		if !take("c", time.Hour) {
			t.Fatal("c could not take an expired lease")
		}
		// Many contenders at once: exactly one wins.
		if err := st.ReleaseOutboxLease(ctx, "relay", "c"); err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		winners := 0
		var wg sync.WaitGroup
		for i := range 10 {
			wg.Go(func() {
				ok, err := st.AcquireOutboxLease(ctx, "relay", string(rune('k'+i)), time.Hour)
				if err != nil {
					t.Error(err)
				}
				if ok {
					mu.Lock()
					winners++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if winners != 1 {
			t.Fatalf("%d contenders took the lease", winners)
		}
	})
}

func TestContactRecordIsInsertedOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		inst := newInstance(t, st, "records")
		now := time.Now().UTC().Truncate(time.Microsecond)
		r := store.ContactRecordRow{ContactID: "c1", InstanceID: inst, Channel: "VOICE", InitiatedAt: now, RecordedAt: now, Body: []byte(`{"v":1}`)}
		var inserted []bool
		for range 2 {
			err := st.InContactTx(ctx, func(tx *store.ContactTx) error {
				ok, err := tx.InsertRecord(ctx, r)
				inserted = append(inserted, ok)
				r.Body = []byte(`{"v":2}`)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		if !slices.Equal(inserted, []bool{true, false}) {
			t.Fatalf("inserted %v", inserted)
		}
		got, err := st.GetContactRecord(ctx, inst, "c1")
		if err != nil || string(got.Body) != `{"v":1}` || !got.DisconnectedAt.IsZero() || !got.InitiatedAt.Equal(now) {
			t.Fatalf("record %+v, %v", got, err)
		}
	})
}

func TestWebhookQueueDeliversHeadsOfLineOnlyAndSkipsDuplicates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		inst := newInstance(t, st, "hooks")
		repo := st.WebhookSubscriptions()
		a := &core.WebhookSubscription{Name: "a", URL: "https://a.example.com/hook", Secret: "s3cret"}
		b := &core.WebhookSubscription{Name: "b", URL: "https://b.example.com/hook", EventTypes: []string{"QUEUED", "INITIATED"}}
		for _, s := range []*core.WebhookSubscription{a, b} {
			if err := repo.Create(ctx, inst, s); err != nil {
				t.Fatal(err)
			}
		}
		if got, err := repo.Get(ctx, inst, a.ID); err != nil || got.Secret != "s3cret" || got.Status != core.WebhookEnabled {
			t.Fatalf("stored subscription %+v, %v", got, err)
		}
		if got, _ := repo.Get(ctx, inst, b.ID); !slices.Equal(got.EventTypes, []string{"INITIATED", "QUEUED"}) || got.Wants("COMPLETED") || !got.Wants("QUEUED") {
			t.Fatalf("event types %v", got.EventTypes)
		}
		d := func(sub, event, key string) store.WebhookDelivery {
			return store.WebhookDelivery{SubscriptionID: sub, InstanceID: inst, EventID: event, EventType: "T", OrderKey: key, Payload: []byte(`{}`)}
		}
		n, err := st.EnqueueWebhookDeliveries(ctx, []store.WebhookDelivery{
			d(a.ID, "e1", "c1"), d(a.ID, "e2", "c1"), d(a.ID, "e3", "c2"), d(b.ID, "e1", "c1"), d("deleted-sub", "e1", "c1"),
		})
		if err != nil || n != 4 {
			t.Fatalf("enqueued %d, %v", n, err)
		}
		if n, err := st.EnqueueWebhookDeliveries(ctx, []store.WebhookDelivery{d(a.ID, "e1", "c1")}); err != nil || n != 0 {
			t.Fatalf("the same event enqueued again: %d, %v", n, err)
		}
		due := func() []string {
			t.Helper()
			ds, err := st.DueWebhookDeliveries(ctx, time.Now(), 100)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, d := range ds {
				out = append(out, d.SubscriptionID[len(d.SubscriptionID)-4:]+"/"+d.EventID)
			}
			slices.Sort(out)
			return out
		}
		sfx := func(id string) string { return id[len(id)-4:] }
		want := []string{sfx(a.ID) + "/e1", sfx(a.ID) + "/e3", sfx(b.ID) + "/e1"}
		slices.Sort(want)
		if got := due(); !slices.Equal(got, want) {
			t.Fatalf("due %v, want %v (e2 waits behind e1)", got, want)
		}
		// Claim a's e1: two workers race, one wins.
		ds, _ := st.DueWebhookDeliveries(ctx, time.Now(), 100)
		var e1 store.WebhookDelivery
		for _, x := range ds {
			if x.SubscriptionID == a.ID && x.EventID == "e1" {
				e1 = x
			}
		}
		other := e1
		if ok, err := st.ClaimWebhookDelivery(ctx, &e1, time.Now().Add(time.Minute)); !ok || err != nil || e1.Attempts != 1 {
			t.Fatalf("claim: %v %v %+v", ok, err, e1)
		}
		if ok, err := st.ClaimWebhookDelivery(ctx, &other, time.Now().Add(time.Minute)); ok || err != nil {
			t.Fatalf("a second worker claimed the same attempt: %v %v", ok, err)
		}
		// Claimed, e1 is not due, and e2 still waits behind it.
		if got := due(); slices.Contains(got, sfx(a.ID)+"/e1") || slices.Contains(got, sfx(a.ID)+"/e2") {
			t.Fatalf("due while e1 is in flight: %v", got)
		}
		// Given up, e1 lets e2 go.
		e1.Status, e1.LastStatus, e1.LastError = store.DeliveryFailed, 500, "receiver answered 500"
		if err := st.SaveWebhookDelivery(ctx, &e1); err != nil {
			t.Fatal(err)
		}
		if got := due(); !slices.Contains(got, sfx(a.ID)+"/e2") {
			t.Fatalf("e2 not due after e1 was given up: %v", got)
		}
		failed, _, err := st.ListWebhookDeliveries(ctx, store.WebhookDeliveryQuery{InstanceID: inst, Status: store.DeliveryFailed})
		if err != nil || len(failed) != 1 || failed[0].LastError == "" || failed[0].Attempts != 1 {
			t.Fatalf("dead letters %+v, %v", failed, err)
		}
		if n, err := st.PurgeWebhookDeliveries(ctx, store.DeliveryFailed, time.Now().Add(time.Minute)); err != nil || n != 1 {
			t.Fatalf("purged %d, %v", n, err)
		}
		// Deleting a subscription deletes its queue.
		if err := repo.Delete(ctx, inst, a.ID); err != nil {
			t.Fatal(err)
		}
		left, _, _ := st.ListWebhookDeliveries(ctx, store.WebhookDeliveryQuery{InstanceID: inst})
		if len(left) != 1 || left[0].SubscriptionID != b.ID {
			t.Fatalf("left %+v", left)
		}
		if _, err := st.GetWebhookDelivery(ctx, inst, "nope"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("missing delivery: %v", err)
		}
		var ve *core.ValidationError
		if err := repo.Create(ctx, inst, &core.WebhookSubscription{Name: "bad", URL: "ftp://x", Status: "MAYBE", EventTypes: []string{"a.b"}}); !errors.As(err, &ve) || len(ve.Errors) != 3 {
			t.Fatalf("invalid subscription: %v", err)
		}
	})
}
