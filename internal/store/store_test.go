package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/switchboard-cc/switchboard/internal/core"
	"github.com/switchboard-cc/switchboard/internal/hours"
	"github.com/switchboard-cc/switchboard/internal/store"
	"github.com/switchboard-cc/switchboard/internal/store/storetest"
)

func newInstance(t *testing.T, st *store.Store, alias string) string {
	t.Helper()
	in := &core.Instance{Alias: alias}
	if err := st.CreateInstance(context.Background(), in); err != nil {
		t.Fatalf("create instance %s: %v", alias, err)
	}
	return in.ID
}

func newHours(t *testing.T, st *store.Store, inst string) *core.HoursOfOperation {
	t.Helper()
	h := &core.HoursOfOperation{Name: "24x7", Schedule: hours.AlwaysOpen("Europe/Paris")}
	if err := st.Hours.Create(context.Background(), inst, h); err != nil {
		t.Fatalf("create hours: %v", err)
	}
	return h
}

func TestInstanceGetsDefaultSecurityProfiles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		inst := newInstance(t, st, "acme")
		for _, name := range []string{"Admin", "Supervisor", "Agent"} {
			if _, err := st.SecurityProfiles.GetByName(ctx, inst, name); err != nil {
				t.Errorf("profile %s: %v", name, err)
			}
		}
		err := st.CreateInstance(ctx, &core.Instance{Alias: "acme"})
		var ce *store.ConflictError
		if !errors.As(err, &ce) || ce.Field != "alias" {
			t.Fatalf("duplicate alias: got %v, want a conflict on alias", err)
		}
	})
}

func TestQueueCRUDRoundTrip(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		inst := newInstance(t, st, "acme")
		h := newHours(t, st, inst)
		q := &core.Queue{Name: " Billing ", HoursOfOperationID: h.ID, MaxContacts: 10,
			OutboundCallerID: &core.OutboundCallerID{Name: "Acme", Number: "+1 555 0100"}}
		if err := st.Queues.Create(ctx, inst, q); err != nil {
			t.Fatal(err)
		}
		if q.Name != "Billing" || q.OutboundCallerID.Number != "+15550100" || q.Status != core.StatusEnabled || q.Version != 1 {
			t.Fatalf("not normalised: %+v", q)
		}
		got, err := st.Queues.Get(ctx, inst, q.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != "Billing" || got.MaxContacts != 10 || !got.CreatedAt.Equal(q.CreatedAt) || got.InstanceID != inst {
			t.Fatalf("read back %+v, wrote %+v", got, q)
		}
		got.MaxContacts = 20
		if err := st.Queues.Update(ctx, inst, got, got.Version); err != nil {
			t.Fatal(err)
		}
		if got.Version != 2 || !got.UpdatedAt.After(got.CreatedAt) && !got.UpdatedAt.Equal(got.CreatedAt) {
			t.Fatalf("version not bumped: %+v", got)
		}
		stale := *q
		stale.MaxContacts = 99
		var ce *store.ConflictError
		if err := st.Queues.Update(ctx, inst, &stale, 1); !errors.As(err, &ce) {
			t.Fatalf("stale update: got %v, want conflict", err)
		}
		byName, err := st.Queues.GetByName(ctx, inst, "Billing")
		if err != nil || byName.MaxContacts != 20 {
			t.Fatalf("by name: %v %+v", err, byName)
		}
		if err := st.Queues.Delete(ctx, inst, q.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := st.Queues.Get(ctx, inst, q.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("after delete: %v", err)
		}
	})
}

func TestOtherInstancesResourcesAreNotFound(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		a, b := newInstance(t, st, "a"), newInstance(t, st, "b")
		h := newHours(t, st, a)
		if _, err := st.Hours.Get(ctx, b, h.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("get across instances: %v", err)
		}
		if err := st.Hours.Delete(ctx, b, h.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("delete across instances: %v", err)
		}
		h.Description = "hijack"
		if err := st.Hours.Update(ctx, b, h, 0); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("update across instances: %v", err)
		}
		// A queue in b may not point at a's hours.
		err := st.Queues.Create(ctx, b, &core.Queue{Name: "q", HoursOfOperationID: h.ID})
		var ve *core.ValidationError
		if !errors.As(err, &ve) || ve.Errors[0].Field != "hoursOfOperationId" {
			t.Fatalf("cross-instance reference: got %v", err)
		}
		if n, _ := st.Queues.Count(ctx, b); n != 0 {
			t.Fatalf("queue written despite error: %d", n)
		}
	})
}

func TestReferencedResourceCannotBeDeleted(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		inst := newInstance(t, st, "acme")
		h := newHours(t, st, inst)
		q := &core.Queue{Name: "q", HoursOfOperationID: h.ID}
		if err := st.Queues.Create(ctx, inst, q); err != nil {
			t.Fatal(err)
		}
		var ce *store.ConflictError
		if err := st.Hours.Delete(ctx, inst, h.ID); !errors.As(err, &ce) || !strings.Contains(ce.Msg, "queue") {
			t.Fatalf("delete referenced hours: got %v", err)
		}
		if err := st.Queues.Delete(ctx, inst, q.ID); err != nil {
			t.Fatal(err)
		}
		if err := st.Hours.Delete(ctx, inst, h.ID); err != nil {
			t.Fatalf("delete after referrer gone: %v", err)
		}
	})
}

func TestPhoneNumberBelongsToOneInstance(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		a, b := newInstance(t, st, "a"), newInstance(t, st, "b")
		if err := st.PhoneNumbers.Create(ctx, a, &core.PhoneNumber{Number: "+15550100"}); err != nil {
			t.Fatal(err)
		}
		var ce *store.ConflictError
		if err := st.PhoneNumbers.Create(ctx, b, &core.PhoneNumber{Number: "+1-555-0100"}); !errors.As(err, &ce) || ce.Field != "number" {
			t.Fatalf("second claim: got %v", err)
		}
		r, err := st.RouteNumber(ctx, "+15550100")
		if err != nil || r.InstanceID != a {
			t.Fatalf("route: %+v %v", r, err)
		}
		if _, err := st.RouteNumber(ctx, "+15559999"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown number: %v", err)
		}
	})
}

func TestConcurrentClaimsOfOneNumberLeaveOneWinner(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		insts := make([]string, 8)
		for i := range insts {
			insts[i] = newInstance(t, st, fmt.Sprintf("i%d", i))
		}
		var wg sync.WaitGroup
		errs := make([]error, len(insts))
		for i, inst := range insts {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = st.PhoneNumbers.Create(ctx, inst, &core.PhoneNumber{Number: "+15550123"})
			}()
		}
		wg.Wait()
		wins := 0
		for _, err := range errs {
			var ce *store.ConflictError
			switch {
			case err == nil:
				wins++
			case !errors.As(err, &ce):
				t.Errorf("unexpected error: %v", err)
			}
		}
		if wins != 1 {
			t.Fatalf("%d instances claimed the number, want 1", wins)
		}
	})
}

func TestListPagesInCreationOrder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		inst := newInstance(t, st, "acme")
		for i := 0; i < 25; i++ {
			if err := st.Prompts.Create(ctx, inst, &core.Prompt{Name: fmt.Sprintf("p%02d", i)}); err != nil {
				t.Fatal(err)
			}
		}
		var names []string
		tok := ""
		pages := 0
		for {
			items, next, err := st.Prompts.List(ctx, inst, store.Page{Token: tok, Max: 10})
			if err != nil {
				t.Fatal(err)
			}
			pages++
			for _, p := range items {
				names = append(names, p.Name)
			}
			if next == "" {
				break
			}
			tok = next
		}
		if pages != 3 || len(names) != 25 || names[0] != "p00" || names[24] != "p24" {
			t.Fatalf("pages=%d names=%v", pages, names)
		}
		if _, _, err := st.Prompts.List(ctx, inst, store.Page{Token: "!!notatoken"}); err == nil {
			t.Fatal("bad token accepted")
		}
		one, _, err := st.Prompts.List(ctx, inst, store.Page{Name: "p07"})
		if err != nil || len(one) != 1 || one[0].Name != "p07" {
			t.Fatalf("name filter: %v %v", one, err)
		}
	})
}

func TestSecretsAreKeptApartFromTheBody(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		inst := newInstance(t, st, "acme")
		f := &core.Function{Name: "lookup", URL: "https://crm.example/lookup", Secret: "s3cret"}
		if err := st.Functions.Create(ctx, inst, f); err != nil {
			t.Fatal(err)
		}
		var body string
		if err := st.DB().QueryRow(`SELECT body FROM functions WHERE id = $1`, f.ID).Scan(&body); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(body, "s3cret") {
			t.Fatalf("secret in body: %s", body)
		}
		got, _ := st.Functions.Get(ctx, inst, f.ID)
		if got.Secret != "s3cret" || !got.HasSecret {
			t.Fatalf("secret not read back: %+v", got)
		}
		got.Secret = "" // an update without the secret keeps it
		got.TimeoutSeconds = 3
		if err := st.Functions.Update(ctx, inst, got, 0); err != nil {
			t.Fatal(err)
		}
		again, _ := st.Functions.Get(ctx, inst, f.ID)
		if again.Secret != "s3cret" || again.TimeoutSeconds != 3 {
			t.Fatalf("after update: %+v", again)
		}
	})
}

func TestFlowPublishingFreezesVersions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		inst := newInstance(t, st, "acme")
		f := &core.Flow{Name: "main", Content: []byte(`{"Version":"2019-10-30","StartAction":"a","Actions":[]}`)}
		if err := st.Flows.Create(ctx, inst, f); err != nil {
			t.Fatal(err)
		}
		if _, err := st.FlowVersion(ctx, inst, f.ID, 0); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unpublished flow has a version: %v", err)
		}
		p, err := st.PublishFlow(ctx, inst, f.ID, f.Version)
		if err != nil || p.PublishedVersion != 1 {
			t.Fatalf("publish: %v %+v", err, p)
		}
		p.Content = []byte(`{"Version":"2019-10-30","StartAction":"b","Actions":[]}`)
		if err := st.Flows.Update(ctx, inst, p, 0); err != nil {
			t.Fatal(err)
		}
		v, err := st.FlowVersion(ctx, inst, f.ID, 0)
		if err != nil || v.Version != 1 || !strings.Contains(string(v.Content), `"a"`) {
			t.Fatalf("latest published should still be v1 with the old draft: %+v %v", v, err)
		}
		var ce *store.ConflictError
		if _, err := st.PublishFlow(ctx, inst, f.ID, 1); !errors.As(err, &ce) {
			t.Fatalf("publish of a stale read: got %v", err)
		}
		p2, err := st.PublishFlow(ctx, inst, f.ID, 0)
		if err != nil || p2.PublishedVersion != 2 {
			t.Fatalf("second publish: %v %+v", err, p2)
		}
		vs, _ := st.ListFlowVersions(ctx, inst, f.ID)
		if len(vs) != 2 || vs[0].Version != 2 {
			t.Fatalf("versions: %+v", vs)
		}
	})
}

func TestPromptAudioRoundTrip(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		inst := newInstance(t, st, "acme")
		p := &core.Prompt{Name: "welcome"}
		if err := st.Prompts.Create(ctx, inst, p); err != nil {
			t.Fatal(err)
		}
		data := []byte{0, 1, 2, 255, 254, 0, 'R', 'I', 'F', 'F'}
		if _, err := st.SetPromptAudio(ctx, inst, p.ID, core.AudioInfo{ContentType: "audio/wav", SizeBytes: 10}, data); err != nil {
			t.Fatal(err)
		}
		ct, got, err := st.PromptAudio(ctx, inst, p.ID)
		if err != nil || ct != "audio/wav" || string(got) != string(data) {
			t.Fatalf("audio: %q %v %v", ct, got, err)
		}
		again, _ := st.Prompts.Get(ctx, inst, p.ID)
		if again.Audio == nil || again.Audio.SizeBytes != 10 {
			t.Fatalf("audio info: %+v", again.Audio)
		}
	})
}

func TestDeletingAnInstanceRemovesEverythingInIt(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		inst := newInstance(t, st, "gone")
		h := newHours(t, st, inst)
		if err := st.Queues.Create(ctx, inst, &core.Queue{Name: "q", HoursOfOperationID: h.ID}); err != nil {
			t.Fatal(err)
		}
		if err := st.DeleteInstance(ctx, inst); err != nil {
			t.Fatal(err)
		}
		if n, _ := st.Queues.Count(ctx, inst); n != 0 {
			t.Fatalf("%d queues left", n)
		}
		if err := st.Queues.Create(ctx, inst, &core.Queue{Name: "q2", HoursOfOperationID: h.ID}); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("create in a deleted instance: %v", err)
		}
	})
}

func TestAPIKeysByHashAndScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		inst := newInstance(t, st, "acme")
		admin := &core.APIKey{Name: "admin", Prefix: "sbk_a", Hash: strings.Repeat("a", 64)}
		scoped := &core.APIKey{InstanceID: inst, Name: "ci", Prefix: "sbk_b", Hash: strings.Repeat("b", 64)}
		for _, k := range []*core.APIKey{admin, scoped} {
			if err := st.CreateAPIKey(ctx, k); err != nil {
				t.Fatal(err)
			}
		}
		if n, _ := st.CountAdminKeys(ctx); n != 1 {
			t.Fatalf("admin keys = %d", n)
		}
		got, err := st.APIKeyByHash(ctx, strings.Repeat("b", 64))
		if err != nil || got.InstanceID != inst || got.Name != "ci" {
			t.Fatalf("by hash: %+v %v", got, err)
		}
		if _, err := st.GetAPIKey(ctx, "", scoped.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("instance key read as a deployment key: %v", err)
		}
		keys, _, err := st.ListAPIKeys(ctx, inst, store.Page{})
		if err != nil || len(keys) != 1 {
			t.Fatalf("list: %v %v", keys, err)
		}
		if err := st.DeleteAPIKey(ctx, inst, scoped.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := st.APIKeyByHash(ctx, strings.Repeat("b", 64)); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("revoked key still found: %v", err)
		}
	})
}

func TestReopenKeepsData(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	inst := newInstance(t, st, "persist")
	st.Close()
	st.Close() // twice is safe
	st2, err := store.Open(ctx, store.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	if _, err := st2.GetInstance(ctx, inst); err != nil {
		t.Fatalf("after reopen: %v", err)
	}
	cur, latest, err := st2.MigrationStatus(ctx)
	if err != nil || cur != latest || cur == 0 {
		t.Fatalf("migration status %d/%d %v", cur, latest, err)
	}
}

// A queue's quick connects are references: one a queue lists cannot be
// deleted (the conflict names the queue), and a QUEUE quick connect may
// point at the very queue that lists it — created, changed and deleted in
// an order that never leaves a dangling reference.
func TestQueueQuickConnectsAreReferences(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		inst := newInstance(t, st, "acme")
		h := newHours(t, st, inst)
		phone := &core.QuickConnect{Name: "Head office", Type: core.QuickConnectPhone, PhoneNumber: "+442071234567"}
		if err := st.QuickConnects.Create(ctx, inst, phone); err != nil {
			t.Fatal(err)
		}
		// A quick connect that does not exist is refused, naming the entry.
		q := &core.Queue{Name: "Billing", HoursOfOperationID: h.ID, QuickConnectIDs: []string{phone.ID, "no-such-qc"}}
		var ve *core.ValidationError
		if err := st.Queues.Create(ctx, inst, q); !errors.As(err, &ve) || len(ve.Errors) != 1 ||
			ve.Errors[0].Field != "quickConnectIds[1]" {
			t.Fatalf("a queue listing a missing quick connect: %v", err)
		}
		// The queue first, then the quick connect to it, then the queue lists it.
		q.QuickConnectIDs = []string{phone.ID}
		if err := st.Queues.Create(ctx, inst, q); err != nil {
			t.Fatal(err)
		}
		self := &core.QuickConnect{Name: "Billing queue", Type: core.QuickConnectQueue, QueueID: q.ID}
		if err := st.QuickConnects.Create(ctx, inst, self); err != nil {
			t.Fatal(err)
		}
		q.QuickConnectIDs = append(q.QuickConnectIDs, self.ID)
		if err := st.Queues.Update(ctx, inst, q, q.Version); err != nil {
			t.Fatalf("the queue lists the quick connect that points at it: %v", err)
		}
		got, err := st.Queues.Get(ctx, inst, q.ID)
		if err != nil || !slices.Equal(got.QuickConnectIDs, []string{phone.ID, self.ID}) {
			t.Fatalf("stored queue %+v, %v", got, err)
		}
		// Neither can go while the other points at it; the conflict names the queue.
		var ce *store.ConflictError
		for _, qc := range []*core.QuickConnect{phone, self} {
			err := st.QuickConnects.Delete(ctx, inst, qc.ID)
			if !errors.As(err, &ce) || !strings.Contains(ce.Msg, "still used by queue "+q.ID+` "Billing"`) ||
				!strings.Contains(ce.Msg, "quickConnectIds[") {
				t.Fatalf("delete quick connect %s a queue lists: %v", qc.Name, err)
			}
		}
		if err := st.Queues.Delete(ctx, inst, q.ID); !errors.As(err, &ce) || !strings.Contains(ce.Msg, "quick-connect "+self.ID) {
			t.Fatalf("delete the queue a quick connect points at: %v", err)
		}
		// Dropping the association frees the quick connects; then the queue
		// goes once its own quick connect has gone.
		got.QuickConnectIDs = nil
		if err := st.Queues.Update(ctx, inst, got, got.Version); err != nil {
			t.Fatal(err)
		}
		for _, qc := range []*core.QuickConnect{phone, self} {
			if err := st.QuickConnects.Delete(ctx, inst, qc.ID); err != nil {
				t.Fatalf("delete quick connect %s once no queue lists it: %v", qc.Name, err)
			}
		}
		if err := st.Queues.Delete(ctx, inst, q.ID); err != nil {
			t.Fatalf("delete the queue once nothing points at it: %v", err)
		}
	})
}
