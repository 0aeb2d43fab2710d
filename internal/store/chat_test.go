package store_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/chat"
	"github.com/switchboard-cc/switchboard/internal/chat/chattest"
	"github.com/switchboard-cc/switchboard/internal/store"
	"github.com/switchboard-cc/switchboard/internal/store/storetest"
)

func TestChatBackendContract(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			chattest.TestBackend(t, func(t *testing.T) chat.Backend { return b.Open(t).ChatBackend() })
		})
	}
}

func TestChatBackendRefusesWritesToMissingChats(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		be := st.ChatBackend()
		if err := be.AppendItem(ctx, chat.Item{ID: "i1", Type: chat.TypeMessage, ContactID: "nope"}); !errors.Is(err, chat.ErrNotFound) {
			t.Errorf("AppendItem: %v, want ErrNotFound", err)
		}
		if err := be.PutParticipant(ctx, chat.ParticipantRecord{ParticipantID: "p1", ContactID: "nope", Role: chat.RoleCustomer}); !errors.Is(err, chat.ErrNotFound) {
			t.Errorf("PutParticipant: %v, want ErrNotFound", err)
		}
		if err := be.PutCredential(ctx, chat.Credential{Hash: chat.HashToken("t"), Kind: chat.KindParticipant, ContactID: "nope"}); !errors.Is(err, chat.ErrNotFound) {
			t.Errorf("PutCredential: %v, want ErrNotFound", err)
		}
	})
}

// TestChatsSurviveARestart runs the chat service over the SQL backend,
// closes it and the store, and reads the chat back from a new store and
// service on the same database, as a restarted or another process would.
func TestChatsSurviveARestart(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			opts := store.Options{DatabaseURL: b.URL(t)}
			if opts.DatabaseURL == "" {
				opts.DataDir = t.TempDir()
			}
			open := func() (*store.Store, *chat.Service) {
				st, err := store.Open(ctx, opts)
				if err != nil {
					t.Fatal(err)
				}
				svc, err := chat.New(chat.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, st.ChatBackend(), nil)
				if err != nil {
					st.Close()
					t.Fatal(err)
				}
				return st, svc
			}

			st1, svc1 := open()
			start, err := svc1.StartChat(ctx, chat.StartChatRequest{InstanceID: "inst-1", ContactID: "contact-1", DisplayName: "Carol"})
			if err != nil {
				t.Fatal(err)
			}
			agent, err := svc1.Join(ctx, "contact-1", chat.JoinRequest{Role: chat.RoleAgent, DisplayName: "Ann"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := agent.Send(ctx, "", "before the restart"); err != nil {
				t.Fatal(err)
			}
			svc1.Close()
			st1.Close()

			st2, svc2 := open()
			defer st2.Close()
			defer svc2.Close()
			// The new process serves the chat it never held.
			agent2, err := svc2.Join(ctx, "contact-1", chat.JoinRequest{Role: chat.RoleAgent, DisplayName: "Ann", ParticipantID: agent.ParticipantID()})
			if err != nil {
				t.Fatalf("join after restart: %v", err)
			}
			if _, err := agent2.Send(ctx, chat.ContentTextMarkdown, "after the restart"); err != nil {
				t.Fatal(err)
			}
			items, err := svc2.Transcript(ctx, "contact-1")
			if err != nil {
				t.Fatal(err)
			}
			var msgs []string
			for _, it := range items {
				if it.IsMessage() {
					msgs = append(msgs, it.Content)
					if it.ParticipantID != agent.ParticipantID() || it.ParticipantRole != chat.RoleAgent || it.ContactID != "contact-1" {
						t.Errorf("message %+v", it)
					}
				}
			}
			if len(msgs) != 2 || msgs[0] != "before the restart" || msgs[1] != "after the restart" {
				t.Errorf("messages after restart %q", msgs)
			}
			if len(items) == 0 || !items[0].Is(chat.EventParticipantJoined) || items[0].ParticipantID != start.ParticipantID {
				t.Errorf("first item %+v, want the customer's participant.joined", items[0])
			}
			be := st2.ChatBackend()
			c, err := be.Credential(ctx, chat.HashToken(start.ParticipantToken))
			if err != nil || c.ContactID != "contact-1" || c.ParticipantID != start.ParticipantID || c.Kind != chat.KindParticipant {
				t.Errorf("participant token after restart: %+v %v", c, err)
			}

			if err := svc2.EndChat(ctx, "contact-1", chat.ReasonAgentDisconnect); err != nil {
				t.Fatal(err)
			}
			rec, err := be.Chat(ctx, "contact-1")
			if err != nil || !rec.Ended() || rec.EndReason != chat.ReasonAgentDisconnect || rec.InstanceID != "inst-1" {
				t.Errorf("chat after EndChat: %+v %v", rec, err)
			}
			if time.Since(rec.StartedAt) > time.Hour || rec.EndedAt.Before(rec.StartedAt) {
				t.Errorf("chat times %v – %v", rec.StartedAt, rec.EndedAt)
			}
		})
	}
}
