package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/switchboard-cc/switchboard/internal/core"
	"github.com/switchboard-cc/switchboard/internal/store"
	"github.com/switchboard-cc/switchboard/internal/store/storetest"
)

const widgetKey = "0123456789abcdef0123456789abcdef-widget"

func newFlow(t *testing.T, st *store.Store, inst, name, typ string) *core.Flow {
	t.Helper()
	f := &core.Flow{Name: name, Type: typ, Content: json.RawMessage(`{"Version":"2019-10-30","StartAction":"a","Actions":[]}`)}
	if err := st.Flows.Create(context.Background(), inst, f); err != nil {
		t.Fatalf("create flow %s: %v", name, err)
	}
	return f
}

func TestChatWidgetRoundTripKeepsItsKeyApart(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		inst := newInstance(t, st, "acme")
		fl := newFlow(t, st, inst, "Chat in", core.FlowContact)
		w := &core.ChatWidget{Name: " Web ", ContactFlowID: fl.ID, AllowedOrigins: []string{"HTTPS://Shop.Example.com/", "https://*.example.org"},
			Title: "Chat with us", Color: "#1A73E8", DisplayName: "Guest", RequireToken: true, SecurityKey: widgetKey}
		if err := st.ChatWidgets.Create(ctx, inst, w); err != nil {
			t.Fatal(err)
		}
		if w.Name != "Web" || w.AllowedOrigins[0] != "https://shop.example.com" || w.Color != "#1a73e8" || !w.HasSecurityKey {
			t.Fatalf("created %+v", w)
		}
		var body, secret string
		if err := st.DB().QueryRowContext(ctx, `SELECT body, secret FROM chat_widgets WHERE id = $1`, w.ID).Scan(&body, &secret); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(body, widgetKey) || strings.Contains(body, `"securityKey"`) || secret != widgetKey {
			t.Fatalf("the key is in the body or not in the secret column: body %s, secret %q", body, secret)
		}
		got, err := st.ChatWidgets.Get(ctx, inst, w.ID)
		if err != nil || got.SecurityKey != widgetKey || !got.HasSecurityKey || got.Title != "Chat with us" || !got.RequireToken {
			t.Fatalf("read back %+v, %v", got, err)
		}
		// An update without the key keeps it.
		got.SecurityKey, got.Disabled = "", true
		if err := st.ChatWidgets.Update(ctx, inst, got, got.Version); err != nil {
			t.Fatal(err)
		}
		again, err := st.ChatWidgetByID(ctx, w.ID)
		if err != nil || again.SecurityKey != widgetKey || !again.Disabled || again.Version != 2 || again.InstanceID != inst {
			t.Fatalf("after update %+v, %v", again, err)
		}
		// Names are unique per instance, not across instances.
		dup := &core.ChatWidget{Name: "Web", ContactFlowID: fl.ID, AllowedOrigins: []string{"https://a.example.com"}}
		var ce *store.ConflictError
		if err := st.ChatWidgets.Create(ctx, inst, dup); !errors.As(err, &ce) || ce.Field != "name" {
			t.Fatalf("duplicate name: %v", err)
		}
		// The flow cannot be deleted while the widget uses it.
		if err := st.Flows.Delete(ctx, inst, fl.ID); !errors.As(err, &ce) || !strings.Contains(ce.Error(), "chat-widget") {
			t.Fatalf("deleting the widget's flow: %v", err)
		}
		if err := st.ChatWidgets.Delete(ctx, inst, w.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := st.ChatWidgetByID(ctx, w.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("a deleted widget is found: %v", err)
		}
		if err := st.Flows.Delete(ctx, inst, fl.ID); err != nil {
			t.Fatalf("deleting the flow once the widget is gone: %v", err)
		}
	})
}

func TestChatWidgetFlowMustBeAContactFlowOfTheInstance(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		a, b := newInstance(t, st, "a"), newInstance(t, st, "b")
		queueFlow := newFlow(t, st, a, "Queue music", core.FlowCustomerQueue)
		theirs := newFlow(t, st, b, "Theirs", core.FlowContact)
		for name, flowID := range map[string]string{"a queue flow": queueFlow.ID, "another instance's flow": theirs.ID, "a missing flow": "nope"} {
			w := &core.ChatWidget{Name: "web", ContactFlowID: flowID, AllowedOrigins: []string{"https://a.example.com"}}
			var ve *core.ValidationError
			if err := st.ChatWidgets.Create(ctx, a, w); !errors.As(err, &ve) || ve.Errors[0].Field != "contactFlowId" {
				t.Errorf("%s: %v, want a validation error naming contactFlowId", name, err)
			}
		}
		w := &core.ChatWidget{Name: "web", ContactFlowID: queueFlow.ID, AllowedOrigins: []string{"https://a.example.com"}}
		err := st.ChatWidgets.Create(ctx, a, w)
		if err == nil || !strings.Contains(err.Error(), "must be a CONTACT_FLOW flow") || !strings.Contains(err.Error(), "CUSTOMER_QUEUE") {
			t.Fatalf("the error does not say which type is needed: %v", err)
		}
		if n, _ := st.ChatWidgets.Count(ctx, a); n != 0 {
			t.Fatalf("%d widgets were stored", n)
		}
	})
}

func TestChatWidgetByIDSpansInstances(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		ids := map[string]string{} // widget -> instance
		for _, alias := range []string{"a", "b"} {
			inst := newInstance(t, st, alias)
			fl := newFlow(t, st, inst, "Chat in", core.FlowContact)
			w := &core.ChatWidget{Name: "web", ContactFlowID: fl.ID, AllowedOrigins: []string{"https://" + alias + ".example.com"}}
			if err := st.ChatWidgets.Create(ctx, inst, w); err != nil {
				t.Fatal(err)
			}
			ids[w.ID] = inst
		}
		for id, inst := range ids {
			w, err := st.ChatWidgetByID(ctx, id)
			if err != nil || w.InstanceID != inst || w.ID != id {
				t.Fatalf("widget %s: %+v, %v; want instance %s", id, w, err, inst)
			}
		}
		if _, err := st.ChatWidgetByID(ctx, "0190b8a0-0000-7000-8000-000000000000"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("an unknown ID: %v", err)
		}
	})
}
