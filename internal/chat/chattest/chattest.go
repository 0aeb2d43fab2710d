// Package chattest checks that a chat.Backend keeps the contract the chat
// service relies on. Every implementation runs TestBackend: the in-memory
// one here, the SQL one in internal/store.
package chattest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/chat"
)

// TestBackend runs the Backend contract against fresh backends made by
// open, one per subtest.
func TestBackend(t *testing.T, open func(t *testing.T) chat.Backend) {
	// Times are UTC at microsecond precision, what every backend keeps.
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 123456000, time.UTC)
	ctx := context.Background()
	newChat := func(t *testing.T, be chat.Backend, id string) chat.ChatRecord {
		t.Helper()
		c := chat.ChatRecord{ContactID: id, InitialContactID: "initial-" + id, InstanceID: "inst-1", StartedAt: t0}
		if err := be.CreateChat(ctx, c); err != nil {
			t.Fatalf("CreateChat %s: %v", id, err)
		}
		return c
	}

	t.Run("chats", func(t *testing.T) {
		be := open(t)
		if _, err := be.Chat(ctx, "c1"); !errors.Is(err, chat.ErrNotFound) {
			t.Fatalf("Chat of a missing chat: %v, want ErrNotFound", err)
		}
		c := newChat(t, be, "c1")
		got, err := be.Chat(ctx, "c1")
		if err != nil {
			t.Fatal(err)
		}
		assertChat(t, got, c)
		if got.Ended() {
			t.Error("a new chat has ended")
		}
		if err := be.CreateChat(ctx, chat.ChatRecord{ContactID: "c1", InstanceID: "inst-2", StartedAt: t0.Add(time.Hour)}); !errors.Is(err, chat.ErrChatExists) {
			t.Fatalf("second CreateChat: %v, want ErrChatExists", err)
		}
		if got, _ := be.Chat(ctx, "c1"); got.InstanceID != "inst-1" {
			t.Errorf("second CreateChat changed the chat: %+v", got)
		}

		if err := be.EndChat(ctx, "missing", chat.ReasonAPI, t0); !errors.Is(err, chat.ErrNotFound) {
			t.Errorf("EndChat of a missing chat: %v, want ErrNotFound", err)
		}
		end := t0.Add(5 * time.Minute)
		if err := be.EndChat(ctx, "c1", chat.ReasonAgentDisconnect, end); err != nil {
			t.Fatal(err)
		}
		if err := be.EndChat(ctx, "c1", chat.ReasonIdle, end.Add(time.Minute)); err != nil {
			t.Fatalf("second EndChat: %v", err)
		}
		got, err = be.Chat(ctx, "c1")
		if err != nil {
			t.Fatal(err)
		}
		c.EndedAt, c.EndReason = end, chat.ReasonAgentDisconnect
		assertChat(t, got, c)
		if !got.Ended() {
			t.Error("ended chat not Ended")
		}
	})

	t.Run("participants", func(t *testing.T) {
		be := open(t)
		newChat(t, be, "c1")
		newChat(t, be, "c2")
		if _, err := be.Participant(ctx, "p-missing"); !errors.Is(err, chat.ErrNotFound) {
			t.Fatalf("Participant of a missing one: %v, want ErrNotFound", err)
		}
		if ps, err := be.Participants(ctx, "c1"); err != nil || len(ps) != 0 {
			t.Fatalf("Participants of a chat without any: %v %v", ps, err)
		}
		// IDs not in lexical order, to catch backends that sort by ID.
		want := []chat.ParticipantRecord{
			{ParticipantID: "p-z", ContactID: "c1", Role: chat.RoleCustomer, DisplayName: "Customer", JoinedAt: t0},
			{ParticipantID: "p-a", ContactID: "c1", Role: chat.RoleAgent, DisplayName: "Ann", JoinedAt: t0.Add(time.Second)},
			{ParticipantID: "p-m", ContactID: "c1", Role: chat.RoleSupervisor, DisplayName: "Sue", JoinedAt: t0.Add(2 * time.Second)},
		}
		for _, p := range want {
			if err := be.PutParticipant(ctx, p); err != nil {
				t.Fatal(err)
			}
		}
		other := chat.ParticipantRecord{ParticipantID: "p-b", ContactID: "c2", Role: chat.RoleCustomer, DisplayName: "Bob", JoinedAt: t0}
		if err := be.PutParticipant(ctx, other); err != nil {
			t.Fatal(err)
		}
		// Replacing keeps the join order.
		want[0].LeftAt, want[0].DisplayName = t0.Add(time.Minute), "Customer 2"
		if err := be.PutParticipant(ctx, want[0]); err != nil {
			t.Fatal(err)
		}
		got, err := be.Participants(ctx, "c1")
		if err != nil {
			t.Fatal(err)
		}
		assertParticipants(t, got, want)
		p, err := be.Participant(ctx, "p-z")
		if err != nil {
			t.Fatal(err)
		}
		assertParticipants(t, []chat.ParticipantRecord{p}, want[:1])
		if !p.Left() {
			t.Error("left participant not Left")
		}
		if p, _ := be.Participant(ctx, "p-a"); p.Left() {
			t.Error("present participant Left")
		}
		got, err = be.Participants(ctx, "c2")
		if err != nil {
			t.Fatal(err)
		}
		assertParticipants(t, got, []chat.ParticipantRecord{other})
	})

	t.Run("credentials", func(t *testing.T) {
		be := open(t)
		newChat(t, be, "c1")
		if _, err := be.Credential(ctx, chat.HashToken("nope")); !errors.Is(err, chat.ErrNotFound) {
			t.Fatalf("Credential of an unknown hash: %v, want ErrNotFound", err)
		}
		forever := chat.Credential{Hash: chat.HashToken("p-token"), Kind: chat.KindParticipant, ContactID: "c1", ParticipantID: "p1"}
		soon := chat.Credential{Hash: chat.HashToken("ws-token"), Kind: chat.KindWebSocket, ContactID: "c1", ParticipantID: "p1", ExpiresAt: t0.Add(100 * time.Second)}
		later := chat.Credential{Hash: chat.HashToken("conn-token"), Kind: chat.KindConnection, ContactID: "c1", ParticipantID: "p1", ExpiresAt: t0.Add(24 * time.Hour)}
		for _, c := range []chat.Credential{forever, soon, later} {
			if err := be.PutCredential(ctx, c); err != nil {
				t.Fatal(err)
			}
		}
		for _, c := range []chat.Credential{forever, soon, later} {
			got, err := be.Credential(ctx, c.Hash)
			if err != nil {
				t.Fatalf("Credential %s: %v", c.Kind, err)
			}
			assertCredential(t, got, c)
		}
		// Expired credentials are still returned until deleted.
		n, err := be.DeleteExpiredCredentials(ctx, t0.Add(99*time.Second))
		if err != nil || n != 0 {
			t.Fatalf("DeleteExpiredCredentials before any expiry: %d %v", n, err)
		}
		// A credential is expired from its expiry on.
		n, err = be.DeleteExpiredCredentials(ctx, soon.ExpiresAt)
		if err != nil || n != 1 {
			t.Fatalf("DeleteExpiredCredentials at the first expiry: %d %v, want 1", n, err)
		}
		if _, err := be.Credential(ctx, soon.Hash); !errors.Is(err, chat.ErrNotFound) {
			t.Errorf("expired credential still there: %v", err)
		}
		n, err = be.DeleteExpiredCredentials(ctx, t0.Add(1000*time.Hour))
		if err != nil || n != 1 {
			t.Fatalf("DeleteExpiredCredentials far later: %d %v, want 1", n, err)
		}
		if _, err := be.Credential(ctx, later.Hash); !errors.Is(err, chat.ErrNotFound) {
			t.Errorf("expired credential still there: %v", err)
		}
		got, err := be.Credential(ctx, forever.Hash)
		if err != nil {
			t.Fatalf("a credential without expiry was deleted: %v", err)
		}
		assertCredential(t, got, forever)
	})

	t.Run("items", func(t *testing.T) {
		be := open(t)
		newChat(t, be, "c1")
		newChat(t, be, "c2")
		if its, err := be.Items(ctx, "c1"); err != nil || len(its) != 0 {
			t.Fatalf("Items of an empty chat: %v %v", its, err)
		}
		want := []chat.Item{
			{AbsoluteTime: chat.FormatTime(t0), ID: "i-3", Type: chat.TypeEvent, ContentType: chat.EventParticipantJoined,
				ParticipantID: "p1", DisplayName: "Customer", ParticipantRole: chat.RoleCustomer, ContactID: "c1", InitialContactID: "c0"},
			{AbsoluteTime: chat.FormatTime(t0.Add(time.Second)), ID: "i-1", Type: chat.TypeMessage, ContentType: chat.ContentTextPlain,
				Content: "héllo ✓ 'quoted' \"and\" \n newline", ParticipantID: "p1", DisplayName: "Customer", ParticipantRole: chat.RoleCustomer, ContactID: "c1"},
			{AbsoluteTime: chat.FormatTime(t0.Add(2 * time.Second)), ID: "i-2", Type: chat.TypeMessageMetadata, ParticipantID: "p2",
				ParticipantRole: chat.RoleAgent, ContactID: "c1", MessageMetadata: &chat.MessageMetadata{MessageID: "i-1",
					Receipts: []chat.Receipt{{ReadTimestamp: chat.FormatTime(t0.Add(2 * time.Second)), RecipientParticipantID: "p2"}}}},
		}
		for _, it := range want {
			if err := be.AppendItem(ctx, it); err != nil {
				t.Fatal(err)
			}
		}
		if err := be.AppendItem(ctx, chat.Item{ID: "other", Type: chat.TypeMessage, ContactID: "c2", Content: "elsewhere"}); err != nil {
			t.Fatal(err)
		}
		got, err := be.Items(ctx, "c1")
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Items:\n got %+v\nwant %+v", got, want)
		}
		if got, _ := be.Items(ctx, "c2"); len(got) != 1 || got[0].Content != "elsewhere" {
			t.Errorf("Items of c2: %+v", got)
		}
	})

	t.Run("concurrent appends", func(t *testing.T) {
		// Appends to one chat from several goroutines (several processes
		// on a shared database) lose nothing, and each writer's items keep
		// their order; appends to other chats do not interleave.
		be := open(t)
		const writers, per = 6, 20
		chats := []string{"c1", "c2"}
		for _, c := range chats {
			newChat(t, be, c)
		}
		var wg sync.WaitGroup
		errs := make(chan error, writers*len(chats))
		for _, c := range chats {
			for w := range writers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range per {
						it := chat.Item{ID: fmt.Sprintf("%s-w%d-%03d", c, w, i), Type: chat.TypeMessage, ContactID: c, Content: fmt.Sprint(w)}
						if err := be.AppendItem(ctx, it); err != nil {
							errs <- err
							return
						}
					}
				}()
			}
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		for _, c := range chats {
			got, err := be.Items(ctx, c)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != writers*per {
				t.Fatalf("%s: %d items, want %d", c, len(got), writers*per)
			}
			last := map[string]string{}
			for _, it := range got {
				if it.ContactID != c {
					t.Fatalf("%s has an item of %s", c, it.ContactID)
				}
				if prev, ok := last[it.Content]; ok && it.ID <= prev {
					t.Fatalf("%s: writer %s's item %s after %s", c, it.Content, it.ID, prev)
				}
				last[it.Content] = it.ID
			}
		}
	})
}

func assertChat(t *testing.T, got, want chat.ChatRecord) {
	t.Helper()
	if got.ContactID != want.ContactID || got.InitialContactID != want.InitialContactID || got.InstanceID != want.InstanceID ||
		!got.StartedAt.Equal(want.StartedAt) || !got.EndedAt.Equal(want.EndedAt) || got.EndReason != want.EndReason {
		t.Errorf("chat:\n got %+v\nwant %+v", got, want)
	}
}

func assertParticipants(t *testing.T, got, want []chat.ParticipantRecord) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("participants:\n got %+v\nwant %+v", got, want)
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.ParticipantID != w.ParticipantID || g.ContactID != w.ContactID || g.Role != w.Role || g.DisplayName != w.DisplayName ||
			!g.JoinedAt.Equal(w.JoinedAt) || !g.LeftAt.Equal(w.LeftAt) {
			t.Errorf("participant %d:\n got %+v\nwant %+v", i, g, w)
		}
	}
}

func assertCredential(t *testing.T, got, want chat.Credential) {
	t.Helper()
	if got.Hash != want.Hash || got.Kind != want.Kind || got.ContactID != want.ContactID || got.ParticipantID != want.ParticipantID ||
		!got.ExpiresAt.Equal(want.ExpiresAt) {
		t.Errorf("credential:\n got %+v\nwant %+v", got, want)
	}
}
