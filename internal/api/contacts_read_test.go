package api

import (
	"context"
	"encoding/base64"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/switchboard-cc/switchboard/internal/chat"
	"github.com/switchboard-cc/switchboard/internal/contact"
	"github.com/switchboard-cc/switchboard/internal/store"
	"github.com/switchboard-cc/switchboard/internal/store/storetest"
)

// seedContacts gives instances a and b two contacts each, through the real
// contact manager:
//
//   - {x.contact}: a CHAT contact QUEUED in {x.queue}, with the attribute
//     customer=Ann-x and a persisted chat whose transcript is a join event,
//     the customer's message "hello from x", a read receipt and the
//     agent's answer "hi x" ({x.item1} is the first item's ID);
//   - {x.ended}: a VOICE contact that {x.user} answered and finished, so it
//     has a contact record.
func seedContacts(t *testing.T, f *fixture) {
	t.Helper()
	ctx := context.Background()
	m := f.contacts
	for _, x := range []string{"a", "b"} {
		inst := f.id(x)
		c, err := m.Create(ctx, contact.NewContact{InstanceID: inst, Channel: contact.Chat, InitiationMethod: contact.Inbound,
			Attributes: map[string]string{"customer": "Ann-" + x}})
		mustDo(t, err)
		_, err = m.StartFlow(ctx, inst, c.ID, f.id(x+".flow"))
		mustDo(t, err)
		_, err = m.Enqueue(ctx, inst, c.ID, contact.QueueRef{ID: f.id(x + ".queue"), Name: seededQueue})
		mustDo(t, err)
		f.vars[x+".contact"] = c.ID

		be := f.st.ChatBackend()
		now := time.Now().UTC()
		mustDo(t, be.CreateChat(ctx, chat.ChatRecord{ContactID: c.ID, InitialContactID: c.ID, InstanceID: inst, StartedAt: now}))
		msg := uuid.NewString()
		items := []chat.Item{
			{Type: chat.TypeEvent, ContentType: chat.EventParticipantJoined, ParticipantRole: chat.RoleCustomer, DisplayName: "Ann"},
			{ID: msg, Type: chat.TypeMessage, ContentType: chat.ContentTextPlain, Content: "hello from " + x, ParticipantRole: chat.RoleCustomer},
			{Type: chat.TypeMessageMetadata, MessageMetadata: &chat.MessageMetadata{MessageID: msg,
				Receipts: []chat.Receipt{{ReadTimestamp: chat.FormatTime(now), RecipientParticipantID: "agent-" + x}}}},
			{Type: chat.TypeMessage, ContentType: chat.ContentTextPlain, Content: "hi " + x, ParticipantRole: chat.RoleAgent},
		}
		for i, it := range items {
			if it.ID == "" {
				it.ID = uuid.NewString()
			}
			if i == 0 {
				f.vars[x+".item1"] = it.ID
			}
			it.ContactID, it.InitialContactID, it.AbsoluteTime = c.ID, c.ID, chat.FormatTime(now)
			mustDo(t, be.AppendItem(ctx, it))
		}

		v, err := m.Create(ctx, contact.NewContact{InstanceID: inst, Channel: contact.Voice, InitiationMethod: contact.Inbound})
		mustDo(t, err)
		_, err = m.Enqueue(ctx, inst, v.ID, contact.QueueRef{ID: f.id(x + ".queue"), Name: seededQueue})
		mustDo(t, err)
		_, err = m.ConnectAgent(ctx, inst, v.ID, contact.Agent{ID: f.id(x + ".user"), Username: seededUser})
		mustDo(t, err)
		_, err = m.Disconnect(ctx, inst, v.ID, contact.CustomerDisconnect)
		mustDo(t, err)
		_, err = m.CompleteAfterContactWork(ctx, inst, v.ID)
		mustDo(t, err)
		f.vars[x+".ended"] = v.ID
	}
	// A token for the transcript of {a.contact} after its first item.
	f.vars["a.item1token"] = base64.RawURLEncoding.EncodeToString([]byte(f.id("a.item1")))
}

// seedBigAttribute gives {a.contact} an attribute of 30,000 bytes, close to
// the 32 KiB limit on all of them.
func seedBigAttribute(t *testing.T, f *fixture) {
	t.Helper()
	seedContacts(t, f)
	_, err := f.contacts.UpdateData(context.Background(), f.id("a"), f.id("a.contact"),
		contact.DataUpdate{Attributes: map[string]string{"big": strings.Repeat("x", 30000)}})
	mustDo(t, err)
}

// pageContacts follows nextToken from path (which ends with a query) and
// returns the IDs listed, failing on a repeat.
func pageContacts(t *testing.T, f *fixture, path string) []string {
	t.Helper()
	var ids []string
	seen := map[string]bool{}
	for tok := ""; ; {
		p := path
		if tok != "" {
			p += "&nextToken=" + tok
		}
		r := f.call(t, "GET", p, "a", nil, nil)
		if r.status != 200 {
			t.Fatalf("GET %s: %s", p, r)
		}
		var page ListResponse[contact.Contact]
		r.decode(t, &page)
		if len(page.Items) > 1 {
			t.Fatalf("maxResults=1 gave %d items", len(page.Items))
		}
		for _, c := range page.Items {
			if seen[c.ID] {
				t.Fatalf("contact %s listed twice while paging", c.ID)
			}
			seen[c.ID] = true
			ids = append(ids, c.ID)
		}
		if tok = page.NextToken; tok == "" {
			return ids
		}
	}
}

// TestContactRoutesWithoutAContactServiceAnswer503: a server built without
// Options.Contacts still routes and documents the contact routes, and
// answers them 503 with a problem document.
func TestContactRoutesWithoutAContactServiceAnswer503(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newTestEnv(t, st)
		e.srv = New(Options{Store: st, Logger: slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelWarn}))})
		f := e.newFixture(t)
		for _, c := range []struct{ method, path, body string }{
			{"GET", "/api/v1/instances/{a}/contacts", ""},
			{"GET", "/api/v1/instances/{a}/contacts/{missing}", ""},
			{"GET", "/api/v1/instances/{a}/contacts/{missing}/attributes", ""},
			{"POST", "/api/v1/instances/{a}/contacts/{missing}/attributes", `{"Attributes":{"k":"v"}}`},
			{"GET", "/api/v1/instances/{a}/contacts/{missing}/transcript", ""},
			{"GET", "/api/v1/instances/{a}/contact-records", ""},
			{"GET", "/api/v1/instances/{a}/contact-records/{missing}", ""},
		} {
			r := f.callJSON(t, c.method, c.path, "a", c.body)
			if r.status != 503 {
				t.Errorf("%s %s without contacts answered %s; want 503", c.method, c.path, r)
				continue
			}
			checkProblem(t, r, "")
		}
		if logs := e.logs.take(); logs != "" {
			t.Fatalf("server logged:\n%s", logs)
		}
	})
}
