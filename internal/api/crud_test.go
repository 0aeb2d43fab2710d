package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/switchboard-cc/switchboard/internal/auth"
	"github.com/switchboard-cc/switchboard/internal/core"
	"github.com/switchboard-cc/switchboard/internal/hours"
	"github.com/switchboard-cc/switchboard/internal/store"
	"github.com/switchboard-cc/switchboard/internal/store/storetest"
)

// happyPaths covers every route of the API with a request that succeeds,
// and checks what it left in the store.
var happyPaths = []scenario{
	// Instances.
	{name: "admin creates an instance with its default security profiles", method: "POST", path: "/api/v1/instances", key: "admin",
		body: `{"alias":"newco-{n}","description":"New company"}`, status: 201,
		want: []string{`"alias":"newco-{n}"`, `"version":1`},
		check: func(t *testing.T, f *fixture, r *response) {
			id := createdID(t, r)
			in, err := f.st.GetInstance(context.Background(), id)
			if err != nil || in.Alias != f.expand(t, "newco-{n}") || in.Description != "New company" {
				t.Fatalf("stored instance %+v, %v", in, err)
			}
			if n := count(t, f.st.SecurityProfiles, id); n != 3 {
				t.Fatalf("new instance has %d security profiles, want the 3 defaults", n)
			}
			for name, typ := range map[string]string{"Available": core.AgentStatusRoutable, "Offline": core.AgentStatusOffline} {
				if s, err := f.st.AgentStatuses.GetByName(context.Background(), id, name); err != nil || s.Type != typ || s.State != core.StatusEnabled {
					t.Fatalf("new instance's system status %s: %+v, %v", name, s, err)
				}
			}
		}},
	{name: "admin lists every instance", method: "GET", path: "/api/v1/instances", key: "admin", status: 200,
		want: []string{`"id":"{a}"`, `"id":"{b}"`}},
	{name: "admin pages through instances", method: "GET", path: "/api/v1/instances?maxResults=1", key: "admin", status: 200,
		want: []string{`"nextToken":"`},
		check: func(t *testing.T, f *fixture, r *response) {
			var page ListResponse[core.Instance]
			r.decode(t, &page)
			if len(page.Items) != 1 {
				t.Fatalf("maxResults=1 gave %d items", len(page.Items))
			}
			seen := map[string]bool{page.Items[0].ID: true}
			for tok := page.NextToken; tok != ""; {
				r := f.call(t, "GET", "/api/v1/instances?maxResults=1&nextToken="+tok, "admin", nil, nil)
				var next ListResponse[core.Instance]
				r.decode(t, &next)
				for _, in := range next.Items {
					if seen[in.ID] {
						t.Fatalf("instance %s listed twice while paging", in.ID)
					}
					seen[in.ID] = true
				}
				tok = next.NextToken
			}
			if !seen[f.id("a")] || !seen[f.id("b")] {
				t.Fatalf("paging missed an instance: saw %v", seen)
			}
		}},
	{name: "instance key lists only its own instance", method: "GET", path: "/api/v1/instances", key: "a", status: 200,
		want: []string{`"id":"{a}"`}, not: []string{"{b}"}},
	{name: "get instance returns it with its version as ETag", method: "GET", path: "/api/v1/instances/{a}", key: "a", status: 200,
		want: []string{`"alias":"{a.alias}"`},
		check: func(t *testing.T, f *fixture, r *response) {
			if et := r.header.Get("ETag"); et != `"1"` {
				t.Fatalf("ETag %q, want \"1\"", et)
			}
		}},
	{name: "update instance renames it and bumps its version", method: "PUT", path: "/api/v1/instances/{a}", key: "a",
		body: `{"alias":"renamed-{n}","description":"Renamed","version":1}`, status: 200,
		want: []string{`"alias":"renamed-{n}"`, `"version":2`},
		check: func(t *testing.T, f *fixture, r *response) {
			in, err := f.st.GetInstance(context.Background(), f.id("a"))
			if err != nil || in.Alias != f.expand(t, "renamed-{n}") || in.Version != 2 || in.Description != "Renamed" {
				t.Fatalf("stored %+v, %v", in, err)
			}
		}},
	{name: "admin deletes an instance and everything in it", method: "DELETE", path: "/api/v1/instances/{b}", key: "admin", status: 204,
		check: func(t *testing.T, f *fixture, r *response) {
			ctx := context.Background()
			if len(r.body) != 0 {
				t.Errorf("204 with a body: %q", r.body)
			}
			if _, err := f.st.GetInstance(ctx, f.id("b")); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("deleted instance still readable: %v", err)
			}
			if n := count(t, f.st.Queues, f.id("b")) + count(t, f.st.Users, f.id("b")) + count(t, f.st.SecurityProfiles, f.id("b")); n != 0 {
				t.Fatalf("%d resources of the deleted instance remain", n)
			}
			if _, err := f.st.RouteNumber(ctx, f.id("b.number")); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("the deleted instance's number still routes: %v", err)
			}
			if r := f.call(t, "GET", "/api/v1/instances/{b}", "b", nil, nil); r.status != 401 {
				t.Fatalf("the deleted instance's key still works: %s", r)
			}
			if n := count(t, f.st.Queues, f.id("a")); n != 1 {
				t.Fatalf("the other instance lost its queue: %d", n)
			}
		}},

	// Instance API keys.
	{name: "create API key shows the key once and it authenticates", method: "POST", path: "/api/v1/instances/{a}/api-keys", key: "a",
		body: `{"name":"ci","description":"for CI"}`, status: 201,
		want: []string{`"key":"sbk_`, `"instanceId":"{a}"`, `"name":"ci"`}, not: []string{"hash", "Hash"},
		check: func(t *testing.T, f *fixture, r *response) {
			id := createdID(t, r)
			var k CreatedAPIKey
			r.decode(t, &k)
			if r.header.Get("Cache-Control") != "no-store" {
				t.Errorf("a response with a secret is cacheable: Cache-Control %q", r.header.Get("Cache-Control"))
			}
			stored, err := f.st.GetAPIKey(context.Background(), f.id("a"), id)
			if err != nil || stored.Hash != auth.HashAPIKey(k.Key) || !strings.HasPrefix(k.Key, stored.Prefix) {
				t.Fatalf("stored key %+v does not match the one shown (%v)", stored, err)
			}
			if r := f.call(t, "GET", "/api/v1/instances/{a}", k.Key, nil, nil); r.status != 200 {
				t.Fatalf("the new key does not authenticate: %s", r)
			}
			if r := f.call(t, "GET", "/api/v1/instances/{b}", k.Key, nil, nil); r.status != 404 {
				t.Fatalf("the new key reaches another instance: %s", r)
			}
			if r := f.call(t, "GET", "/api/v1/instances/{a}/api-keys/"+id, "a", nil, nil); bytes.Contains(r.body, []byte(k.Key)) {
				t.Fatalf("the key is shown again: %s", r)
			}
		}},
	{name: "list API keys shows the instance's keys without their values", method: "GET", path: "/api/v1/instances/{a}/api-keys", key: "a", status: 200,
		want: []string{`"id":"{a.key}"`, `"prefix":"sbk_`}, not: []string{"{b.key}", "{admin.key}", `"key"`}},
	{name: "get API key describes it", method: "GET", path: "/api/v1/instances/{a}/api-keys/{a.key}", key: "a", status: 200,
		want: []string{`"id":"{a.key}"`, `"name":"a key"`, `"lastUsedAt":"`}},
	{name: "revoked API key stops working", method: "DELETE", path: "/api/v1/instances/{a}/api-keys/{a.key}", key: "admin", status: 204,
		check: func(t *testing.T, f *fixture, r *response) {
			if r := f.call(t, "GET", "/api/v1/instances/{a}", "a", nil, nil); r.status != 401 {
				t.Fatalf("revoked key still authenticates: %s", r)
			}
		}},

	// Deployment-admin API keys.
	{name: "admin creates a deployment-admin key that can create instances", method: "POST", path: "/api/v1/admin/api-keys", key: "admin",
		body: `{"name":"ops","expiresAt":"2999-01-01T00:00:00Z"}`, status: 201,
		want: []string{`"key":"sbk_`, `"expiresAt":"2999-01-01T00:00:00Z"`}, not: []string{`"instanceId"`},
		check: func(t *testing.T, f *fixture, r *response) {
			var k CreatedAPIKey
			r.decode(t, &k)
			if r := f.callJSON(t, "POST", "/api/v1/instances", k.Key, `{"alias":"by-ops-{n}"}`); r.status != 201 {
				t.Fatalf("new admin key cannot create an instance: %s", r)
			}
		}},
	{name: "admin lists deployment keys only", method: "GET", path: "/api/v1/admin/api-keys", key: "admin", status: 200,
		want: []string{`"id":"{admin.key}"`}, not: []string{"{a.key}", "{b.key}"}},
	{name: "admin gets a deployment key", method: "GET", path: "/api/v1/admin/api-keys/{admin.key}", key: "admin", status: 200,
		want: []string{`"id":"{admin.key}"`, `"name":"deployment admin"`}},
	{name: "admin revokes a deployment key", method: "DELETE", path: "/api/v1/admin/api-keys/{ops.key}", key: "admin", status: 204,
		setup: func(t *testing.T, f *fixture) { _, f.vars["ops.key"] = newKey(t, f.st, "", "ops") },
		check: func(t *testing.T, f *fixture, r *response) {
			if _, err := f.st.GetAPIKey(context.Background(), "", f.id("ops.key")); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("revoked key still stored: %v", err)
			}
		}},

	// Users.
	{name: "create user hashes the password and never returns it", method: "POST", path: "/api/v1/instances/{a}/users", key: "a",
		body:   `{"username":" bob ","email":"bob@example.com","securityProfileIds":["{a.sp.agent}"],"routingProfileId":"{a.rp}","password":"correct horse battery"}`,
		status: 201, want: []string{`"username":"bob"`, `"phoneType":"SOFT_PHONE"`}, not: []string{"password", "correct horse", "argon2"},
		check: func(t *testing.T, f *fixture, r *response) {
			u := get(t, f.st.Users, f.id("a"), createdID(t, r))
			if err := auth.VerifyPassword(u.PasswordHash, "correct horse battery"); err != nil || u.Password != "" {
				t.Fatalf("stored password hash does not verify: %v (user %+v)", err, u)
			}
			if r := f.call(t, "DELETE", "/api/v1/instances/{a}/routing-profiles/{a.rp}", "a", nil, nil); r.status != 409 {
				t.Fatalf("the user's routing profile could be deleted: %s", r)
			}
		}},
	{name: "get user never shows the password hash", method: "GET", path: "/api/v1/instances/{a}/users/{a.user}", key: "a", status: 200,
		want: []string{`"username":"alice"`, `"routingProfileId":"{a.rp}"`}, not: []string{"argon2", "password"}},
	{name: "list users", method: "GET", path: "/api/v1/instances/{a}/users?name=alice", key: "a", status: 200,
		want: []string{`"id":"{a.user}"`}, not: []string{"argon2"}},
	{name: "update user without a password keeps the stored one", method: "PUT", path: "/api/v1/instances/{a}/users/{a.user}", key: "a",
		body:   `{"username":"alice","firstName":"Alice","securityProfileIds":["{a.sp.agent}","{a.sp.supervisor}"],"version":1}`,
		status: 200, want: []string{`"firstName":"Alice"`, `"version":2`}, not: []string{"argon2"},
		check: func(t *testing.T, f *fixture, r *response) {
			u := get(t, f.st.Users, f.id("a"), f.id("a.user"))
			if u.PasswordHash != seededPasswordHash || len(u.SecurityProfileIDs) != 2 || u.RoutingProfileID != "" {
				t.Fatalf("stored user %+v", u)
			}
		}},
	{name: "update user with a password replaces the hash", method: "PUT", path: "/api/v1/instances/{a}/users/{a.user}", key: "a",
		body: `{"username":"alice","securityProfileIds":["{a.sp.agent}"],"password":"a new passphrase"}`, status: 200,
		not: []string{"a new passphrase", "argon2"},
		check: func(t *testing.T, f *fixture, r *response) {
			u := get(t, f.st.Users, f.id("a"), f.id("a.user"))
			if err := auth.VerifyPassword(u.PasswordHash, "a new passphrase"); err != nil {
				t.Fatalf("new password does not verify: %v", err)
			}
		}},
	{name: "delete user", method: "DELETE", path: "/api/v1/instances/{a}/users/{a.user}", key: "a", status: 204,
		check: func(t *testing.T, f *fixture, r *response) { gone(t, f.st.Users, f.id("a"), f.id("a.user")) }},

	// Chat contacts (the contact center is faked here; test/e2e runs the real one).
	{name: "start chat contact hands the request to the contact center", method: "POST", path: "/api/v1/instances/{a}/contacts/chat", key: "a",
		body:   `{"ContactFlowId":"{a.flow}","ParticipantDetails":{"DisplayName":"Ann"},"Attributes":{"k":"v"}}`,
		status: 201, want: []string{`"ContactId":"chat-{a.flow}"`, `"ParticipantId":"p-{a}"`, `"ParticipantToken":"tok-Ann"`}},
	// Contacts and their records (seeded through the real contact manager).
	{name: "list contacts shows the instance's contacts", method: "GET", path: "/api/v1/instances/{a}/contacts", key: "a",
		setup: seedContacts, status: 200, want: []string{`"id":"{a.contact}"`, `"id":"{a.ended}"`}, not: []string{"{b.contact}", "{b.ended}"}},
	{name: "list contacts filters by state and channel", method: "GET", path: "/api/v1/instances/{a}/contacts?state=QUEUED,OFFERED&channel=CHAT", key: "a",
		setup: seedContacts, status: 200, want: []string{`"id":"{a.contact}"`}, not: []string{"{a.ended}", "{b.contact}"}},
	{name: "list contacts filters by queue and agent", method: "GET", path: "/api/v1/instances/{a}/contacts?queueId={a.queue}&agentId={a.user}", key: "a",
		setup: seedContacts, status: 200, want: []string{`"id":"{a.ended}"`, `"username":"alice"`}, not: []string{"{a.contact}"}},
	{name: "list contacts pages with nextToken", method: "GET", path: "/api/v1/instances/{a}/contacts?maxResults=1", key: "a",
		setup: seedContacts, status: 200, want: []string{`"nextToken":"`},
		check: func(t *testing.T, f *fixture, r *response) {
			ids := pageContacts(t, f, "/api/v1/instances/{a}/contacts?maxResults=1")
			if len(ids) != 2 || ids[0] != f.id("a.contact") || ids[1] != f.id("a.ended") {
				t.Fatalf("paging listed %v; want [%s %s] in creation order", ids, f.id("a.contact"), f.id("a.ended"))
			}
		}},
	{name: "describe contact shows its state, queue, attributes and timestamps", method: "GET", path: "/api/v1/instances/{a}/contacts/{a.contact}", key: "a",
		setup: seedContacts, status: 200,
		want: []string{`"id":"{a.contact}"`, `"instanceId":"{a}"`, `"initialContactId":"{a.contact}"`, `"channel":"CHAT"`,
			`"initiationMethod":"INBOUND"`, `"state":"QUEUED"`, `"flowId":"{a.flow}"`, `"queue":{"id":"{a.queue}","name":"Billing","priority":5`,
			`"attributes":{"customer":"Ann-a"}`, `"initiationTimestamp":"`, `"enqueueTimestamp":"`},
		not: []string{`"agent"`, `"disconnectReason"`},
		check: func(t *testing.T, f *fixture, r *response) {
			if et := r.header.Get("ETag"); et != `"3"` {
				t.Fatalf("ETag %q, want \"3\" (created, flow started, queued)", et)
			}
		}},
	{name: "describe an ended contact shows its agent and disconnect reason", method: "GET", path: "/api/v1/instances/{a}/contacts/{a.ended}", key: "a",
		setup: seedContacts, status: 200,
		want: []string{`"state":"ENDED"`, `"channel":"VOICE"`, `"agent":{"id":"{a.user}","username":"alice"`, `"disconnectReason":"CUSTOMER_DISCONNECT"`,
			`"disconnectTimestamp":"`, `"afterContactWorkEndTimestamp":"`}},
	{name: "get contact attributes", method: "GET", path: "/api/v1/instances/{a}/contacts/{a.contact}/attributes", key: "a",
		setup: seedContacts, status: 200, want: []string{`{"Attributes":{"customer":"Ann-a"}}`}},
	{name: "update contact attributes merges them", method: "POST", path: "/api/v1/instances/{a}/contacts/{a.contact}/attributes", key: "a",
		setup: seedContacts, body: `{"Attributes":{"tier":"gold","note":""}}`, status: 200,
		want: []string{`"customer":"Ann-a"`, `"tier":"gold"`, `"note":""`},
		check: func(t *testing.T, f *fixture, r *response) {
			c, err := f.contacts.Get(context.Background(), f.id("a"), f.id("a.contact"))
			mustDo(t, err)
			if len(c.Attributes) != 3 || c.Attributes["tier"] != "gold" || c.Attributes["customer"] != "Ann-a" || c.Version != 4 {
				t.Fatalf("stored attributes %v at version %d", c.Attributes, c.Version)
			}
			if et := r.header.Get("ETag"); et != `"4"` {
				t.Fatalf("ETag %q, want \"4\"", et)
			}
			b, err := f.contacts.Get(context.Background(), f.id("b"), f.id("b.contact"))
			mustDo(t, err)
			if len(b.Attributes) != 1 {
				t.Fatalf("the other instance's contact changed: %v", b.Attributes)
			}
		}},
	{name: "get chat transcript lists messages and events without receipts", method: "GET", path: "/api/v1/instances/{a}/contacts/{a.contact}/transcript", key: "a",
		setup: seedContacts, status: 200,
		want: []string{`"InitialContactId":"{a.contact}"`, `"ContactId":"{a.contact}"`, `"Id":"{a.item1}"`, `"Content":"hello from a"`, `"Content":"hi a"`,
			`"ParticipantRole":"CUSTOMER"`, `"ContentType":"application/vnd.amazonaws.connect.event.participant.joined"`},
		not: []string{"MESSAGEMETADATA", "hello from b", `"NextToken"`},
		check: func(t *testing.T, f *fixture, r *response) {
			var tr ContactTranscript
			r.decode(t, &tr)
			if len(tr.Transcript) != 3 || tr.Transcript[0].ID != f.id("a.item1") || tr.Transcript[2].Content != "hi a" {
				t.Fatalf("transcript %+v", tr.Transcript)
			}
		}},
	{name: "get chat transcript pages with nextToken", method: "GET", path: "/api/v1/instances/{a}/contacts/{a.contact}/transcript?maxResults=1", key: "a",
		setup: seedContacts, status: 200, want: []string{`"Id":"{a.item1}"`, `"NextToken":"{a.item1token}"`},
		check: func(t *testing.T, f *fixture, r *response) {
			var contents []string
			for tok := f.id("a.item1token"); tok != ""; {
				r := f.call(t, "GET", "/api/v1/instances/{a}/contacts/{a.contact}/transcript?maxResults=1&nextToken="+tok, "a", nil, nil)
				var tr ContactTranscript
				r.decode(t, &tr)
				if len(tr.Transcript) != 1 {
					t.Fatalf("page after %s: %s", tok, r)
				}
				contents = append(contents, tr.Transcript[0].Content)
				tok = tr.NextToken
			}
			if strings.Join(contents, "|") != "hello from a|hi a" {
				t.Fatalf("pages after the first: %q", contents)
			}
		}},
	{name: "a voice contact has an empty transcript", method: "GET", path: "/api/v1/instances/{a}/contacts/{a.ended}/transcript", key: "a",
		setup: seedContacts, status: 200, want: []string{`"ContactId":"{a.ended}"`, `"Transcript":[]`}},
	{name: "list contact records shows only ended contacts of the instance", method: "GET", path: "/api/v1/instances/{a}/contact-records", key: "a",
		setup: seedContacts, status: 200, want: []string{`"id":"{a.ended}"`, `"recordedAt":"`, `"state":"ENDED"`},
		not: []string{"{a.contact}", "{b.ended}"}},
	{name: "list contact records filters by time, channel, queue and agent", method: "GET",
		path: "/api/v1/instances/{a}/contact-records?initiatedFrom=2000-01-01T00:00:00Z&initiatedTo=2999-01-01T00:00:00%2B02:00&channel=VOICE&queueId={a.queue}&agentId={a.user}&maxResults=10",
		key:  "a", setup: seedContacts, status: 200, want: []string{`"id":"{a.ended}"`},
		check: func(t *testing.T, f *fixture, r *response) {
			for _, q := range []string{"initiatedTo=2000-01-01T00:00:00Z", "channel=CHAT", "queueId={b.queue}", "agentId={b.user}"} {
				r := f.call(t, "GET", "/api/v1/instances/{a}/contact-records?"+q, "a", nil, nil)
				if r.status != 200 || !strings.Contains(string(r.body), `"items":[]`) {
					t.Errorf("filter %s answered %s; want no records", q, r)
				}
			}
		}},
	{name: "get contact record", method: "GET", path: "/api/v1/instances/{a}/contact-records/{a.ended}", key: "a",
		setup: seedContacts, status: 200,
		want: []string{`"id":"{a.ended}"`, `"state":"ENDED"`, `"disconnectReason":"CUSTOMER_DISCONNECT"`, `"recordedAt":"`,
			`"agent":{"id":"{a.user}"`, `"afterContactWorkDurationSeconds":`}},
	{name: "download a contact's call recording", method: "GET", path: "/api/v1/instances/{a}/contacts/{a.recorded}/recording", key: "a",
		setup: seedRecording, status: 200, check: checkRecordingBody},
	// The real-time view (realtime_test.go tests the stream; this is its one-shot JSON form).
	{name: "a supervisor reads the real-time state once as JSON", method: "GET", path: "/api/v1/instances/{a}/realtime", key: "a",
		header: map[string]string{"Accept": "application/json"}, status: 200,
		want: []string{`"state":{"instanceId":"{a}"`, `"queues":[{"id":"q-1","name":"Billing"`, `"history":{"intervalSeconds":10`}},
	// Agent login.
	{name: "a user logs in with the instance alias, username and password", method: "POST", path: "/api/v1/auth/login",
		setup: setAlicePassword, body: `{"instanceId":"{a.alias}","username":"alice","password":"correct horse battery"}`,
		status: 200, want: []string{`"token":"sbs_`, `"userId":"{a.user}"`, `"instanceId":"{a}"`}, not: []string{"argon2", "correct horse"},
		check: func(t *testing.T, f *fixture, r *response) {
			var lr LoginResponse
			r.decode(t, &lr)
			if s, err := f.srv.AgentAuth().Session(lr.Token); err != nil || s.UserID != f.id("a.user") {
				t.Fatalf("session of the token: %+v, %v", s, err)
			}
		}},
	{name: "a wrong password is refused like an unknown user", method: "POST", path: "/api/v1/auth/login",
		body: `{"instanceId":"{a}","username":"alice","password":"not the password"}`, status: 401,
		want: []string{"invalid instance, username or password"}},

	// Console sessions (session_test.go tests them in depth).
	{name: "a console login sets the session cookies", method: "POST", path: "/api/v1/auth/session",
		setup: setAlicePassword, body: `{"instanceId":"{a.alias}","username":"alice","password":"correct horse battery"}`,
		status: 200, want: []string{`"kind":"session"`, `"username":"alice"`, `"csrfToken":"`}, not: []string{"sbs_", "correct horse"}},
	{name: "me describes an instance key", method: "GET", path: "/api/v1/auth/me", key: "a", status: 200,
		want: []string{`"kind":"apiKey"`, `"admin":false`, `"id":"{a}"`, `"flows.publish"`}},
	{name: "logout without a session clears the cookies", method: "POST", path: "/api/v1/auth/logout", status: 200,
		want: []string{`"loggedOut":true`}},

	// Security profiles.
	{name: "create security profile sorts and deduplicates permissions", method: "POST", path: "/api/v1/instances/{a}/security-profiles", key: "a",
		body: `{"name":"Reporting","permissions":["metrics.realtime","metrics.historical","metrics.realtime"]}`, status: 201,
		want: []string{`"permissions":["metrics.historical","metrics.realtime"]`},
		check: func(t *testing.T, f *fixture, r *response) {
			sp := get(t, f.st.SecurityProfiles, f.id("a"), createdID(t, r))
			if !sp.Has("metrics.historical") || len(sp.Permissions) != 2 {
				t.Fatalf("stored %+v", sp)
			}
		}},
	{name: "list security profiles includes the defaults", method: "GET", path: "/api/v1/instances/{a}/security-profiles", key: "a", status: 200,
		want: []string{`"name":"Admin"`, `"name":"Supervisor"`, `"name":"Agent"`}, not: []string{"{b.sp.agent}"}},
	{name: "get security profile", method: "GET", path: "/api/v1/instances/{a}/security-profiles/{a.sp.agent}", key: "a", status: 200,
		want: []string{`"name":"Agent"`, `"agent.ccp"`}},
	{name: "update security profile", method: "PUT", path: "/api/v1/instances/{a}/security-profiles/{a.sp.supervisor}", key: "a",
		body: `{"name":"Supervisor","permissions":["metrics.realtime"]}`, status: 200, want: []string{`"permissions":["metrics.realtime"]`},
		check: func(t *testing.T, f *fixture, r *response) {
			if sp := get(t, f.st.SecurityProfiles, f.id("a"), f.id("a.sp.supervisor")); sp.Has("users.read") || sp.Version != 2 {
				t.Fatalf("stored %+v", sp)
			}
		}},
	{name: "delete an unused security profile", method: "DELETE", path: "/api/v1/instances/{a}/security-profiles/{a.sp.supervisor}", key: "a", status: 204,
		check: func(t *testing.T, f *fixture, r *response) {
			gone(t, f.st.SecurityProfiles, f.id("a"), f.id("a.sp.supervisor"))
		}},

	// Hours of operation.
	{name: "create hours of operation normalises days", method: "POST", path: "/api/v1/instances/{a}/hours-of-operation", key: "a",
		body: `{"name":"Weekdays","timeZone":"America/New_York","config":[{"day":"monday","start":"09:00","end":"17:00"}],
			"overrides":[{"name":"New year","from":"2030-01-01","type":"closed"}]}`, status: 201,
		want: []string{`"day":"MONDAY"`, `"timeZone":"America/New_York"`, `"to":"2030-01-01"`, `"type":"CLOSED"`},
		check: func(t *testing.T, f *fixture, r *response) {
			h := get(t, f.st.Hours, f.id("a"), createdID(t, r))
			if h.TimeZone != "America/New_York" || len(h.Config) != 1 || h.Config[0].Day != "MONDAY" || len(h.Overrides) != 1 {
				t.Fatalf("stored %+v", h)
			}
		}},
	{name: "get hours of operation", method: "GET", path: "/api/v1/instances/{a}/hours-of-operation/{a.hours}", key: "a", status: 200,
		want: []string{`"name":"Office hours"`, `"timeZone":"Europe/Paris"`}},
	{name: "list hours of operation", method: "GET", path: "/api/v1/instances/{a}/hours-of-operation", key: "a", status: 200,
		want: []string{`"id":"{a.hours}"`}, not: []string{"{b.hours}"}},
	{name: "update hours of operation", method: "PUT", path: "/api/v1/instances/{a}/hours-of-operation/{a.hours}", key: "a",
		body: `{"name":"Office hours","timeZone":"Asia/Tokyo","config":[{"day":"FRIDAY","start":"22:00","end":"06:00"}]}`, status: 200,
		want: []string{`"timeZone":"Asia/Tokyo"`, `"version":2`},
		check: func(t *testing.T, f *fixture, r *response) {
			if h := get(t, f.st.Hours, f.id("a"), f.id("a.hours")); h.TimeZone != "Asia/Tokyo" || len(h.Config) != 1 {
				t.Fatalf("stored %+v", h)
			}
		}},
	{name: "delete unused hours of operation", method: "DELETE", path: "/api/v1/instances/{a}/hours-of-operation/{spare}", key: "a", status: 204,
		setup: func(t *testing.T, f *fixture) {
			h := &core.HoursOfOperation{Name: "Spare", Schedule: hours.AlwaysOpen("UTC")}
			mustDo(t, f.st.Hours.Create(context.Background(), f.id("a"), h))
			f.vars["spare"] = h.ID
		},
		check: func(t *testing.T, f *fixture, r *response) { gone(t, f.st.Hours, f.id("a"), f.id("spare")) }},

	// Queues.
	{name: "create queue normalises it and records its reference to hours", method: "POST", path: "/api/v1/instances/{a}/queues", key: "a",
		body:   `{"name":"Support","hoursOfOperationId":"{a.hours}","maxContacts":5,"outboundCallerId":{"name":"Acme","number":"+1 (555) 010-0199"}}`,
		status: 201, want: []string{`"status":"ENABLED"`, `"number":"+15550100199"`, `"maxContacts":5`, `"instanceId":"{a}"`},
		check: func(t *testing.T, f *fixture, r *response) {
			q := get(t, f.st.Queues, f.id("a"), createdID(t, r))
			if q.Name != "Support" || q.HoursOfOperationID != f.id("a.hours") || q.OutboundCallerID.Number != "+15550100199" {
				t.Fatalf("stored %+v", q)
			}
		}},
	{name: "instanceId and id in a body are ignored", method: "POST", path: "/api/v1/instances/{a}/queues", key: "a",
		body: `{"id":"{b.queue}","instanceId":"{b}","version":7,"name":"Sneaky","hoursOfOperationId":"{a.hours}"}`, status: 201,
		want: []string{`"instanceId":"{a}"`, `"version":1`}, not: []string{"{b}", "{b.queue}"},
		check: func(t *testing.T, f *fixture, r *response) {
			get(t, f.st.Queues, f.id("a"), createdID(t, r))
			if q := get(t, f.st.Queues, f.id("b"), f.id("b.queue")); q.Name != seededQueue || q.Version != 1 {
				t.Fatalf("the other instance's queue changed: %+v", q)
			}
		}},
	{name: "get queue", method: "GET", path: "/api/v1/instances/{a}/queues/{a.queue}", key: "a", status: 200,
		want: []string{`"name":"Billing"`, `"hoursOfOperationId":"{a.hours}"`},
		check: func(t *testing.T, f *fixture, r *response) {
			if r.header.Get("ETag") != `"1"` {
				t.Fatalf("ETag %q", r.header.Get("ETag"))
			}
		}},
	{name: "list queues filtered by name", method: "GET", path: "/api/v1/instances/{a}/queues?name=Billing", key: "a", status: 200,
		want: []string{`"id":"{a.queue}"`}, not: []string{"{b.queue}"}},
	{name: "update queue with the version read bumps it", method: "PUT", path: "/api/v1/instances/{a}/queues/{a.queue}", key: "a",
		body: `{"name":"Billing","hoursOfOperationId":"{a.hours}","maxContacts":20,"status":"DISABLED","version":1}`, status: 200,
		want: []string{`"version":2`, `"status":"DISABLED"`},
		check: func(t *testing.T, f *fixture, r *response) {
			if r.header.Get("ETag") != `"2"` {
				t.Errorf("ETag %q, want \"2\"", r.header.Get("ETag"))
			}
			if q := get(t, f.st.Queues, f.id("a"), f.id("a.queue")); q.MaxContacts != 20 || q.Status != core.StatusDisabled || q.Version != 2 {
				t.Fatalf("stored %+v", q)
			}
		}},
	{name: "update queue with If-Match of the current version", method: "PUT", path: "/api/v1/instances/{a}/queues/{a.queue}", key: "a",
		header: map[string]string{"If-Match": `W/"1"`},
		body:   `{"name":"Billing","hoursOfOperationId":"{a.hours}","maxContacts":3}`, status: 200, want: []string{`"version":2`}},
	{name: "update queue without a version overwrites whatever is stored", method: "PUT", path: "/api/v1/instances/{a}/queues/{a.queue}", key: "a",
		setup: func(t *testing.T, f *fixture) { bumpQueue(t, f) },
		body:  `{"name":"Billing","hoursOfOperationId":"{a.hours}","maxContacts":4}`, status: 200, want: []string{`"version":3`}},
	{name: "update queue associates quick connects, which then cannot be deleted", method: "PUT", path: "/api/v1/instances/{a}/queues/{a.queue}", key: "a",
		body:   `{"name":"Billing","hoursOfOperationId":"{a.hours}","quickConnectIds":["{a.qc}"],"version":1}`,
		status: 200, want: []string{`"quickConnectIds":["{a.qc}"]`},
		check: func(t *testing.T, f *fixture, r *response) {
			if q := get(t, f.st.Queues, f.id("a"), f.id("a.queue")); len(q.QuickConnectIDs) != 1 || q.QuickConnectIDs[0] != f.id("a.qc") {
				t.Fatalf("stored %+v", q)
			}
			d := f.call(t, "DELETE", "/api/v1/instances/{a}/quick-connects/{a.qc}", "a", nil, nil)
			if want := "still used by queue " + f.id("a.queue") + ` \"Billing\" (quickConnectIds[0])`; d.status != 409 || !strings.Contains(d.String(), want) {
				t.Fatalf("deleting a quick connect a queue lists: %s; want 409 saying %s", d, want)
			}
		}},
	{name: "delete an unreferenced queue", method: "DELETE", path: "/api/v1/instances/{a}/queues/{spare}", key: "a", status: 204,
		setup: func(t *testing.T, f *fixture) {
			q := &core.Queue{Name: "Spare", HoursOfOperationID: f.id("a.hours")}
			mustDo(t, f.st.Queues.Create(context.Background(), f.id("a"), q))
			f.vars["spare"] = q.ID
		},
		check: func(t *testing.T, f *fixture, r *response) {
			gone(t, f.st.Queues, f.id("a"), f.id("spare"))
		}},
	{name: "delete a queue once nothing refers to it any more", method: "DELETE", path: "/api/v1/instances/{a}/queues/{a.queue}", key: "a", status: 204,
		setup: func(t *testing.T, f *fixture) {
			ctx := context.Background()
			rp := get(t, f.st.RoutingProfiles, f.id("a"), f.id("a.rp"))
			rp.Queues = nil
			mustDo(t, f.st.RoutingProfiles.Update(ctx, f.id("a"), rp, rp.Version))
			mustDo(t, f.st.QuickConnects.Delete(ctx, f.id("a"), f.id("a.qc")))
		},
		check: func(t *testing.T, f *fixture, r *response) { gone(t, f.st.Queues, f.id("a"), f.id("a.queue")) }},

	// Routing profiles.
	{name: "create routing profile defaults priorities", method: "POST", path: "/api/v1/instances/{a}/routing-profiles", key: "a",
		body: `{"name":"Chat team","defaultOutboundQueueId":"{a.queue}","queues":[{"queueId":"{a.queue}","channel":"CHAT"}],
			"mediaConcurrencies":[{"channel":"CHAT","concurrency":3}]}`, status: 201,
		want: []string{`"priority":1`, `"concurrency":3`},
		check: func(t *testing.T, f *fixture, r *response) {
			rp := get(t, f.st.RoutingProfiles, f.id("a"), createdID(t, r))
			if rp.ConcurrencyFor(core.ChannelChat) != 3 || len(rp.Queues) != 1 || rp.Queues[0].Priority != 1 {
				t.Fatalf("stored %+v", rp)
			}
		}},
	{name: "get routing profile", method: "GET", path: "/api/v1/instances/{a}/routing-profiles/{a.rp}", key: "a", status: 200,
		want: []string{`"queueId":"{a.queue}"`, `"channel":"VOICE"`}},
	{name: "list routing profiles", method: "GET", path: "/api/v1/instances/{a}/routing-profiles", key: "a", status: 200,
		want: []string{`"id":"{a.rp}"`}, not: []string{"{b.rp}"}},
	{name: "update routing profile", method: "PUT", path: "/api/v1/instances/{a}/routing-profiles/{a.rp}", key: "a",
		body: `{"name":"Front desk","queues":[{"queueId":"{a.queue}","channel":"VOICE","priority":2,"delaySeconds":30}],
			"mediaConcurrencies":[{"channel":"VOICE","concurrency":1}],"version":1}`, status: 200, want: []string{`"delaySeconds":30`},
		check: func(t *testing.T, f *fixture, r *response) {
			if rp := get(t, f.st.RoutingProfiles, f.id("a"), f.id("a.rp")); rp.Queues[0].Priority != 2 || rp.Queues[0].DelaySeconds != 30 {
				t.Fatalf("stored %+v", rp)
			}
		}},
	{name: "delete an unused routing profile", method: "DELETE", path: "/api/v1/instances/{a}/routing-profiles/{a.rp}", key: "a", status: 204,
		setup: func(t *testing.T, f *fixture) {
			mustDo(t, f.st.Users.Delete(context.Background(), f.id("a"), f.id("a.user")))
		},
		check: func(t *testing.T, f *fixture, r *response) {
			gone(t, f.st.RoutingProfiles, f.id("a"), f.id("a.rp"))
			// Its references went with it: the queue it pointed at is free of it.
			mustDo(t, f.st.QuickConnects.Delete(context.Background(), f.id("a"), f.id("a.qc")))
			mustDo(t, f.st.Queues.Delete(context.Background(), f.id("a"), f.id("a.queue")))
		}},

	// Phone numbers.
	{name: "claim phone number normalises it and routes it to its flow", method: "POST", path: "/api/v1/instances/{a}/phone-numbers", key: "a",
		body: `{"number":"+44 20 7946 {n}","flowId":"{a.flow}","description":"London"}`, status: 201,
		want: []string{`"number":"+44207946{n}"`, `"flowId":"{a.flow}"`},
		check: func(t *testing.T, f *fixture, r *response) {
			id := createdID(t, r)
			nr, err := f.st.RouteNumber(context.Background(), f.expand(t, "+44207946{n}"))
			if err != nil || nr.InstanceID != f.id("a") || nr.FlowID != f.id("a.flow") || nr.NumberID != id {
				t.Fatalf("number routes to %+v, %v", nr, err)
			}
		}},
	{name: "get phone number", method: "GET", path: "/api/v1/instances/{a}/phone-numbers/{a.phone}", key: "a", status: 200,
		want: []string{`"number":"{a.number}"`}},
	{name: "list phone numbers by number", method: "GET", path: "/api/v1/instances/{a}/phone-numbers?name={a.numberq}", key: "a", status: 200,
		want: []string{`"id":"{a.phone}"`}},
	{name: "update phone number to point at another flow", method: "PUT", path: "/api/v1/instances/{a}/phone-numbers/{a.phone}", key: "a",
		setup: func(t *testing.T, f *fixture) {
			fl := &core.Flow{Name: "Other", Content: json.RawMessage(seededContent)}
			mustDo(t, f.st.Flows.Create(context.Background(), f.id("a"), fl))
			f.vars["other.flow"] = fl.ID
		},
		body: `{"number":"{a.number}","flowId":"{other.flow}"}`, status: 200, want: []string{`"flowId":"{other.flow}"`},
		check: func(t *testing.T, f *fixture, r *response) {
			if nr, err := f.st.RouteNumber(context.Background(), f.id("a.number")); err != nil || nr.FlowID != f.id("other.flow") {
				t.Fatalf("number routes to %+v, %v", nr, err)
			}
			// The old flow is no longer referenced and can go.
			if r := f.call(t, "DELETE", "/api/v1/instances/{a}/flows/{a.flow}", "a", nil, nil); r.status != 204 {
				t.Fatalf("the flow the number left cannot be deleted: %s", r)
			}
		}},
	{name: "release phone number", method: "DELETE", path: "/api/v1/instances/{a}/phone-numbers/{a.phone}", key: "a", status: 204,
		check: func(t *testing.T, f *fixture, r *response) {
			if _, err := f.st.RouteNumber(context.Background(), f.id("a.number")); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("released number still routes: %v", err)
			}
		}},

	// Flows.
	{name: "create flow as a draft", method: "POST", path: "/api/v1/instances/{a}/flows", key: "a",
		body: `{"name":"Support","content":{"Version":"2019-10-30","StartAction":"x","Actions":[]}}`, status: 201,
		want: []string{`"type":"CONTACT_FLOW"`, `"publishedVersion":0`, `"StartAction":"x"`},
		check: func(t *testing.T, f *fixture, r *response) {
			fl := get(t, f.st.Flows, f.id("a"), createdID(t, r))
			if !bytes.Contains(fl.Content, []byte(`"StartAction":"x"`)) {
				t.Fatalf("stored content %s", fl.Content)
			}
		}},
	{name: "get flow", method: "GET", path: "/api/v1/instances/{a}/flows/{a.flow}", key: "a", status: 200,
		want: []string{`"name":"Main menu"`, `"StartAction":"hello"`}},
	{name: "list flows", method: "GET", path: "/api/v1/instances/{a}/flows", key: "a", status: 200,
		want: []string{`"id":"{a.flow}"`}, not: []string{"{b.flow}"}},
	{name: "update flow draft", method: "PUT", path: "/api/v1/instances/{a}/flows/{a.flow}", key: "a",
		body: `{"name":"Main menu","type":"CONTACT_FLOW","content":{"Version":"2019-10-30","StartAction":"bye","Actions":[]}}`, status: 200,
		want: []string{`"StartAction":"bye"`, `"version":2`}},
	{name: "delete an unused flow", method: "DELETE", path: "/api/v1/instances/{a}/flows/{a.flow}", key: "a", status: 204,
		setup: func(t *testing.T, f *fixture) {
			mustDo(t, f.st.PhoneNumbers.Delete(context.Background(), f.id("a"), f.id("a.phone")))
			publish(t, f, "a.flow")
		},
		check: func(t *testing.T, f *fixture, r *response) {
			gone(t, f.st.Flows, f.id("a"), f.id("a.flow"))
			if _, err := f.st.FlowVersion(context.Background(), f.id("a"), f.id("a.flow"), 1); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("published versions outlive their flow: %v", err)
			}
		}},
	{name: "publish flow freezes the draft as version 1", method: "POST", path: "/api/v1/instances/{a}/flows/{a.flow}/publish", key: "a",
		status: 200, want: []string{`"publishedVersion":1`},
		check: func(t *testing.T, f *fixture, r *response) {
			v, err := f.st.FlowVersion(context.Background(), f.id("a"), f.id("a.flow"), 1)
			if err != nil || !bytes.Contains(v.Content, []byte(`"StartAction":"hello"`)) {
				t.Fatalf("published version: %+v, %v", v, err)
			}
			if fl := get(t, f.st.Flows, f.id("a"), f.id("a.flow")); fl.PublishedVersion != 1 {
				t.Fatalf("stored flow %+v", fl)
			}
		}},
	{name: "publish flow with If-Match of the draft read", method: "POST", path: "/api/v1/instances/{a}/flows/{a.flow}/publish", key: "a",
		setup: func(t *testing.T, f *fixture) { publish(t, f, "a.flow") }, header: map[string]string{"If-Match": `"2"`},
		status: 200, want: []string{`"publishedVersion":2`}},
	{name: "validate a flow document without storing it", method: "POST", path: "/api/v1/instances/{a}/flows/validate", key: "a",
		body: `{"content":` + importableFlow + `}`, status: 200, want: []string{`"valid":true`, `"errors":[]`}},
	{name: "validate a flow document lists what publishing would refuse", method: "POST", path: "/api/v1/instances/{a}/flows/validate", key: "a",
		body:   `{"content":{"Version":"2019-10-30","StartAction":"x","Actions":[{"Identifier":"x","Type":"` + rejectMarker + `"}]}}`,
		status: 200, want: []string{`"valid":false`, `"field":"Actions[0].Type"`}},
	{name: "validate a flow without content", method: "POST", path: "/api/v1/instances/{a}/flows/validate", key: "a",
		body: `{}`, status: 422, want: []string{`"field":"content"`}},
	{name: "list flow versions newest first", method: "GET", path: "/api/v1/instances/{a}/flows/{a.flow}/versions", key: "a",
		setup: func(t *testing.T, f *fixture) { publish(t, f, "a.flow"); publish(t, f, "a.flow") }, status: 200,
		check: func(t *testing.T, f *fixture, r *response) {
			var l ListResponse[core.FlowVersion]
			r.decode(t, &l)
			if len(l.Items) != 2 || l.Items[0].Version != 2 || l.Items[1].Version != 1 || l.Items[0].FlowID != f.id("a.flow") {
				t.Fatalf("versions %+v", l.Items)
			}
		}},
	{name: "get flow version returns its content", method: "GET", path: "/api/v1/instances/{a}/flows/{a.flow}/versions/1", key: "a",
		setup: func(t *testing.T, f *fixture) { publish(t, f, "a.flow") }, status: 200,
		want: []string{`"version":1`, `"StartAction":"hello"`, `"flowId":"{a.flow}"`}},

	{name: "import a flow export stores and binds it", method: "POST", path: "/api/v1/instances/{a}/flows:import", key: "a",
		body: `{"name":"Imported","publish":true,"content":` + importableFlow + `}`, status: 201,
		want: []string{`"name":"Imported"`, `"format":"current"`, `"publishedVersion":1`},
		check: func(t *testing.T, f *fixture, r *response) {
			var res FlowImportResult
			r.decode(t, &res)
			if res.Flow == nil || !strings.HasSuffix(r.header.Get("Location"), "/flows/"+res.Flow.ID) {
				t.Fatalf("import answered %s", r)
			}
			fl := get(t, f.st.Flows, f.id("a"), res.Flow.ID)
			if fl.Name != "Imported" || fl.PublishedVersion != 1 || !bytes.Contains(fl.Content, []byte("DisconnectParticipant")) {
				t.Fatalf("stored %+v", fl)
			}
		}},
	{name: "export a flow as a download", method: "GET", path: "/api/v1/instances/{a}/flows/{a.flow}/export", key: "a", status: 200,
		want: []string{`"StartAction":"hello"`},
		check: func(t *testing.T, f *fixture, r *response) {
			if cd := r.header.Get("Content-Disposition"); !strings.Contains(cd, "attachment") || r.header.Get("Content-Type") != "application/json" {
				t.Fatalf("export headers: %v", r.header)
			}
		}},

	// Prompts.
	{name: "create prompt", method: "POST", path: "/api/v1/instances/{a}/prompts", key: "a",
		body: `{"name":"Hold music","description":"jazz"}`, status: 201, want: []string{`"name":"Hold music"`}, not: []string{`"audio"`},
		check: func(t *testing.T, f *fixture, r *response) { get(t, f.st.Prompts, f.id("a"), createdID(t, r)) }},
	{name: "get prompt", method: "GET", path: "/api/v1/instances/{a}/prompts/{a.prompt}", key: "a", status: 200,
		want: []string{`"name":"Welcome"`}},
	{name: "list prompts pages in creation order", method: "GET", path: "/api/v1/instances/{a}/prompts?maxResults=2", key: "a", status: 200,
		setup: func(t *testing.T, f *fixture) {
			for _, name := range []string{"Second", "Third"} {
				p := &core.Prompt{Name: name}
				mustDo(t, f.st.Prompts.Create(context.Background(), f.id("a"), p))
				f.vars["prompt."+strings.ToLower(name)] = p.ID
			}
		},
		want: []string{`"nextToken":"`},
		check: func(t *testing.T, f *fixture, r *response) {
			var first, second ListResponse[core.Prompt]
			r.decode(t, &first)
			f.call(t, "GET", "/api/v1/instances/{a}/prompts?maxResults=2&nextToken="+first.NextToken, "a", nil, nil).decode(t, &second)
			var got []string
			for _, p := range append(first.Items, second.Items...) {
				got = append(got, p.ID)
			}
			want := []string{f.id("a.prompt"), f.id("prompt.second"), f.id("prompt.third")}
			if strings.Join(got, ",") != strings.Join(want, ",") || second.NextToken != "" {
				t.Fatalf("pages %v (next %q), want %v", got, second.NextToken, want)
			}
		}},
	{name: "list prompts", method: "GET", path: "/api/v1/instances/{a}/prompts", key: "a", status: 200,
		want: []string{`"id":"{a.prompt}"`}, not: []string{"{b.prompt}"}},
	{name: "update prompt keeps its audio", method: "PUT", path: "/api/v1/instances/{a}/prompts/{a.prompt}", key: "a",
		setup:  func(t *testing.T, f *fixture) { uploadAudio(t, f, "a") },
		body:   `{"name":"Welcome","description":"new text","audio":{"contentType":"audio/wav","encoding":"PCM16","sampleRate":1,"channels":9,"sizeBytes":1,"durationMs":1}}`,
		status: 200, want: []string{`"description":"new text"`, `"encoding":"PCMU"`},
		check: func(t *testing.T, f *fixture, r *response) {
			if p := get(t, f.st.Prompts, f.id("a"), f.id("a.prompt")); p.Audio == nil || p.Audio.Encoding != "PCMU" || p.Audio.Channels != 1 {
				t.Fatalf("stored %+v", p)
			}
		}},
	{name: "upload prompt audio describes it", method: "PUT", path: "/api/v1/instances/{a}/prompts/{a.prompt}/audio", key: "a",
		raw: testWAV(), header: wavHeader, status: 200,
		want: []string{`"encoding":"PCMU"`, `"sampleRate":8000`, `"durationMs":100`, `"sizeBytes":844`},
		check: func(t *testing.T, f *fixture, r *response) {
			ct, data, err := f.st.PromptAudio(context.Background(), f.id("a"), f.id("a.prompt"))
			if err != nil || ct != "audio/wav" || !bytes.Equal(data, testWAV()) {
				t.Fatalf("stored audio %q %d bytes, %v", ct, len(data), err)
			}
		}},
	{name: "download prompt audio returns the uploaded file", method: "GET", path: "/api/v1/instances/{a}/prompts/{a.prompt}/audio", key: "a",
		setup: func(t *testing.T, f *fixture) { uploadAudio(t, f, "a") }, status: 200,
		check: func(t *testing.T, f *fixture, r *response) {
			if r.header.Get("Content-Type") != "audio/wav" || !bytes.Equal(r.body, testWAV()) {
				t.Fatalf("downloaded %q, %d bytes", r.header.Get("Content-Type"), len(r.body))
			}
		}},
	{name: "delete prompt deletes its audio", method: "DELETE", path: "/api/v1/instances/{a}/prompts/{a.prompt}", key: "a", status: 204,
		setup: func(t *testing.T, f *fixture) { uploadAudio(t, f, "a") },
		check: func(t *testing.T, f *fixture, r *response) {
			gone(t, f.st.Prompts, f.id("a"), f.id("a.prompt"))
			if _, _, err := f.st.PromptAudio(context.Background(), f.id("a"), f.id("a.prompt")); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("audio outlives its prompt: %v", err)
			}
		}},

	// Quick connects.
	{name: "create quick connect to a user", method: "POST", path: "/api/v1/instances/{a}/quick-connects", key: "a",
		body: `{"name":"To alice","type":"USER","userId":"{a.user}","flowId":"{a.flow}"}`, status: 201, want: []string{`"userId":"{a.user}"`},
		check: func(t *testing.T, f *fixture, r *response) {
			get(t, f.st.QuickConnects, f.id("a"), createdID(t, r))
			if r := f.call(t, "DELETE", "/api/v1/instances/{a}/users/{a.user}", "a", nil, nil); r.status != 409 {
				t.Fatalf("a user behind a quick connect could be deleted: %s", r)
			}
		}},
	{name: "get quick connect", method: "GET", path: "/api/v1/instances/{a}/quick-connects/{a.qc}", key: "a", status: 200,
		want: []string{`"type":"QUEUE"`, `"queueId":"{a.queue}"`}},
	{name: "list quick connects", method: "GET", path: "/api/v1/instances/{a}/quick-connects", key: "a", status: 200,
		want: []string{`"id":"{a.qc}"`}, not: []string{"{b.qc}"}},
	{name: "update quick connect to an external number", method: "PUT", path: "/api/v1/instances/{a}/quick-connects/{a.qc}", key: "a",
		body: `{"name":"To billing","type":"PHONE_NUMBER","phoneNumber":"+33 1 23 45 67 89"}`, status: 200,
		want: []string{`"phoneNumber":"+33123456789"`}, not: []string{`"queueId"`},
		check: func(t *testing.T, f *fixture, r *response) {
			if qc := get(t, f.st.QuickConnects, f.id("a"), f.id("a.qc")); qc.QueueID != "" || qc.Type != core.QuickConnectPhone {
				t.Fatalf("stored %+v", qc)
			}
		}},
	{name: "delete quick connect", method: "DELETE", path: "/api/v1/instances/{a}/quick-connects/{a.qc}", key: "a", status: 204,
		check: func(t *testing.T, f *fixture, r *response) { gone(t, f.st.QuickConnects, f.id("a"), f.id("a.qc")) }},

	// Functions.
	{name: "create function keeps its secret write-only", method: "POST", path: "/api/v1/instances/{a}/functions", key: "a",
		body: `{"name":"Scoring","url":"https://score.example.com/v1","secret":"topsecret-value","timeoutSeconds":3}`, status: 201,
		want: []string{`"hasSecret":true`, `"timeoutSeconds":3`}, not: []string{"topsecret-value"},
		check: func(t *testing.T, f *fixture, r *response) {
			if fn := get(t, f.st.Functions, f.id("a"), createdID(t, r)); fn.Secret != "topsecret-value" {
				t.Fatalf("stored secret %q", fn.Secret)
			}
		}},
	{name: "get function hides its secret", method: "GET", path: "/api/v1/instances/{a}/functions/{a.function}", key: "a", status: 200,
		want: []string{`"hasSecret":true`, `"timeoutSeconds":8`}, not: []string{seededSecret, `"secret"`}},
	{name: "list functions hides secrets", method: "GET", path: "/api/v1/instances/{a}/functions", key: "a", status: 200,
		want: []string{`"id":"{a.function}"`, `"hasSecret":true`}, not: []string{seededSecret}},
	{name: "update function without a secret keeps it", method: "PUT", path: "/api/v1/instances/{a}/functions/{a.function}", key: "a",
		body: `{"name":"CRM lookup","url":"https://crm.example.com/v2","version":1}`, status: 200,
		want: []string{`"hasSecret":true`, `"url":"https://crm.example.com/v2"`}, not: []string{seededSecret},
		check: func(t *testing.T, f *fixture, r *response) {
			if fn := get(t, f.st.Functions, f.id("a"), f.id("a.function")); fn.Secret != seededSecret || fn.URL != "https://crm.example.com/v2" {
				t.Fatalf("stored %+v", fn)
			}
		}},
	{name: "a deployment admin may mark a function internal", method: "POST", path: "/api/v1/instances/{a}/functions", key: "admin",
		body: `{"name":"intranet","url":"http://10.0.0.1/lookup","internal":true}`, status: 201, want: []string{`"internal":true`}},
	{name: "delete function", method: "DELETE", path: "/api/v1/instances/{a}/functions/{a.function}", key: "a", status: 204,
		check: func(t *testing.T, f *fixture, r *response) { gone(t, f.st.Functions, f.id("a"), f.id("a.function")) }},

	// Trunks.
	{name: "create trunk keeps its password write-only and fills the defaults", method: "POST", path: "/api/v1/instances/{a}/trunks", key: "a",
		body:   `{"name":"Office PBX","allowedSources":["203.0.113.5","2001:db8::/32"],"username":"office","password":"trunk-pw-value","outboundProxy":"sip:pbx.example.com:5070","callerIdPolicy":"number","defaultCallerId":"+1 555 0199"}`,
		status: 201,
		want: []string{`"hasPassword":true`, `"allowedSources":["203.0.113.5/32","2001:db8::/32"]`, `"realm":"switchboard"`, `"transport":"udp"`,
			`"codecs":["PCMU","PCMA"]`, `"defaultCallerId":"+15550199"`},
		not: []string{"trunk-pw-value", `"password"`},
		check: func(t *testing.T, f *fixture, r *response) {
			tr := get(t, f.st.Trunks, f.id("a"), createdID(t, r))
			if tr.Password != "trunk-pw-value" || tr.OutboundAddr() != "pbx.example.com:5070" || tr.CallerIDPolicy != core.CallerIDNumber {
				t.Fatalf("stored %+v", tr)
			}
		}},
	{name: "get trunk hides its password", method: "GET", path: "/api/v1/instances/{a}/trunks/{a.trunk}", key: "a", status: 200,
		want: []string{`"hasPassword":true`, `"username":"pbx-a"`, `"allowedSources":["192.0.2.0/24"]`}, not: []string{seededTrunkPassword, `"password"`}},
	{name: "list trunks hides passwords", method: "GET", path: "/api/v1/instances/{a}/trunks", key: "a", status: 200,
		want: []string{`"id":"{a.trunk}"`, `"hasPassword":true`}, not: []string{seededTrunkPassword, "{b.trunk}"}},
	{name: "update trunk without a password keeps it", method: "PUT", path: "/api/v1/instances/{a}/trunks/{a.trunk}", key: "a",
		body: `{"name":"Carrier","allowedSources":["192.0.2.0/24","::1"],"username":"pbx-a","transport":"TLS","codecs":["pcma"],"version":1}`, status: 200,
		want: []string{`"hasPassword":true`, `"transport":"tls"`, `"codecs":["PCMA"]`, `"version":2`}, not: []string{seededTrunkPassword},
		check: func(t *testing.T, f *fixture, r *response) {
			tr := get(t, f.st.Trunks, f.id("a"), f.id("a.trunk"))
			if tr.Password != seededTrunkPassword || tr.Transport != core.TransportTLS || len(tr.AllowedSources) != 2 {
				t.Fatalf("stored %+v", tr)
			}
		}},
	{name: "delete trunk", method: "DELETE", path: "/api/v1/instances/{a}/trunks/{a.trunk}", key: "a", status: 204,
		check: func(t *testing.T, f *fixture, r *response) {
			gone(t, f.st.Trunks, f.id("a"), f.id("a.trunk"))
			all, err := f.st.AllTrunks(context.Background())
			mustDo(t, err)
			for _, tr := range all {
				if tr.ID == f.id("a.trunk") {
					t.Fatal("a deleted trunk still admits calls")
				}
			}
		}},

	// Agent statuses.
	{name: "create agent status makes an enabled CUSTOM one", method: "POST", path: "/api/v1/instances/{a}/agent-statuses", key: "a",
		body: `{"name":" Training ","description":"Weekly training","displayOrder":3}`, status: 201,
		want: []string{`"name":"Training"`, `"type":"CUSTOM"`, `"state":"ENABLED"`, `"displayOrder":3`},
		check: func(t *testing.T, f *fixture, r *response) {
			s := get(t, f.st.AgentStatuses, f.id("a"), createdID(t, r))
			if s.Name != "Training" || s.Type != core.AgentStatusCustom || s.State != core.StatusEnabled || s.DisplayOrder != 3 {
				t.Fatalf("stored %+v", s)
			}
		}},
	{name: "list agent statuses includes the system ones", method: "GET", path: "/api/v1/instances/{a}/agent-statuses", key: "a",
		setup: seedAgentStatuses, status: 200,
		want: []string{`"id":"{a.as.available}"`, `"id":"{a.as.offline}"`, `"id":"{a.as.lunch}"`, `"type":"ROUTABLE"`, `"type":"OFFLINE"`},
		not:  []string{"{b.as.lunch}", "{b.as.available}"}},
	{name: "get agent status", method: "GET", path: "/api/v1/instances/{a}/agent-statuses/{a.as.lunch}", key: "a",
		setup: seedAgentStatuses, status: 200, want: []string{`"name":"Lunch"`, `"type":"CUSTOM"`}},
	{name: "update agent status renames and disables a custom one", method: "PUT", path: "/api/v1/instances/{a}/agent-statuses/{a.as.lunch}", key: "a",
		setup: seedAgentStatuses, body: `{"name":"Lunch break","state":"DISABLED","version":1}`, status: 200,
		want: []string{`"name":"Lunch break"`, `"state":"DISABLED"`, `"type":"CUSTOM"`, `"version":2`},
		check: func(t *testing.T, f *fixture, r *response) {
			if s := get(t, f.st.AgentStatuses, f.id("a"), f.id("a.as.lunch")); s.Name != "Lunch break" || s.State != core.StatusDisabled {
				t.Fatalf("stored %+v", s)
			}
		}},
	{name: "update a system agent status's description and order keeps its type", method: "PUT",
		path: "/api/v1/instances/{a}/agent-statuses/{a.as.available}", key: "a", setup: seedAgentStatuses,
		body: `{"name":"Available","description":"Ready for contacts","displayOrder":5}`, status: 200,
		want: []string{`"type":"ROUTABLE"`, `"description":"Ready for contacts"`, `"displayOrder":5`},
		check: func(t *testing.T, f *fixture, r *response) {
			if s := get(t, f.st.AgentStatuses, f.id("a"), f.id("a.as.available")); s.Type != core.AgentStatusRoutable || s.DisplayOrder != 5 {
				t.Fatalf("stored %+v", s)
			}
		}},
	{name: "delete a custom agent status", method: "DELETE", path: "/api/v1/instances/{a}/agent-statuses/{a.as.lunch}", key: "a",
		setup: seedAgentStatuses, status: 204,
		check: func(t *testing.T, f *fixture, r *response) {
			gone(t, f.st.AgentStatuses, f.id("a"), f.id("a.as.lunch"))
			get(t, f.st.AgentStatuses, f.id("b"), f.id("b.as.lunch"))
		}},

	// Webhook subscriptions.
	{name: "create webhook subscription keeps its secret write-only and defaults to enabled", method: "POST",
		path: "/api/v1/instances/{a}/webhook-subscriptions", key: "a",
		body:   `{"name":"CRM","url":"https://crm.example.com/hooks","secret":"whsec-value","eventTypes":["COMPLETED","QUEUED","COMPLETED"]}`,
		status: 201, want: []string{`"hasSecret":true`, `"status":"ENABLED"`, `"eventTypes":["COMPLETED","QUEUED"]`}, not: []string{"whsec-value"},
		check: func(t *testing.T, f *fixture, r *response) {
			if w := get(t, f.st.WebhookSubscriptions(), f.id("a"), createdID(t, r)); w.Secret != "whsec-value" || w.Internal {
				t.Fatalf("stored %+v", w)
			}
		}},
	{name: "get webhook subscription hides its secret", method: "GET", path: "/api/v1/instances/{a}/webhook-subscriptions/{a.webhook}", key: "a",
		setup: seedWebhook, status: 200, want: []string{`"hasSecret":true`, `"name":"Events"`}, not: []string{seededSecret, `"secret"`}},
	{name: "list webhook subscriptions shows only the instance's", method: "GET", path: "/api/v1/instances/{a}/webhook-subscriptions", key: "a",
		setup: seedWebhook, status: 200, want: []string{`"id":"{a.webhook}"`}, not: []string{seededSecret, "{b.webhook}"}},
	{name: "update webhook subscription without a secret keeps it and can disable it", method: "PUT",
		path: "/api/v1/instances/{a}/webhook-subscriptions/{a.webhook}", key: "a", setup: seedWebhook,
		body:   `{"name":"Events","url":"https://events.example.com/v2","status":"DISABLED","version":1}`,
		status: 200, want: []string{`"status":"DISABLED"`, `"hasSecret":true`, `"version":2`}, not: []string{seededSecret},
		check: func(t *testing.T, f *fixture, r *response) {
			w := get(t, f.st.WebhookSubscriptions(), f.id("a"), f.id("a.webhook"))
			if w.Secret != seededSecret || w.URL != "https://events.example.com/v2" || w.Wants("QUEUED") {
				t.Fatalf("stored %+v", w)
			}
		}},
	{name: "delete webhook subscription", method: "DELETE", path: "/api/v1/instances/{a}/webhook-subscriptions/{a.webhook}", key: "a",
		setup: seedWebhook, status: 204,
		check: func(t *testing.T, f *fixture, r *response) {
			gone(t, f.st.WebhookSubscriptions(), f.id("a"), f.id("a.webhook"))
		}},

	// Chat widgets (widgets_test.go has the public routes' refusals and tokens).
	{name: "create chat widget keeps its security key write-only and canonicalises its origins", method: "POST",
		path: "/api/v1/instances/{a}/chat-widgets", key: "a",
		body: `{"name":"Support site","contactFlowId":"{a.flow}","allowedOrigins":["HTTPS://Help.Example.com/","https://*.example.net:8443"],` +
			`"title":"Need help?","color":"#0A0","requireToken":true,"securityKey":"chat-widget-key-value-0123456789abcdef"}`,
		status: 201,
		want: []string{`"hasSecurityKey":true`, `"allowedOrigins":["https://help.example.com","https://*.example.net:8443"]`, `"color":"#0a0"`,
			`"requireToken":true`, `"disabled":false`},
		not: []string{"chat-widget-key-value", `"securityKey"`},
		check: func(t *testing.T, f *fixture, r *response) {
			w := get(t, f.st.ChatWidgets, f.id("a"), createdID(t, r))
			if w.SecurityKey != "chat-widget-key-value-0123456789abcdef" || w.ContactFlowID != f.id("a.flow") || w.Title != "Need help?" {
				t.Fatalf("stored %+v", w)
			}
		}},
	{name: "get chat widget hides its security key", method: "GET", path: "/api/v1/instances/{a}/chat-widgets/{a.widget}", key: "a",
		setup: seedWidgets, status: 200,
		want: []string{`"hasSecurityKey":true`, `"name":"Web"`, `"contactFlowId":"{a.flow}"`}, not: []string{seededWidgetKey, `"securityKey"`}},
	{name: "list chat widgets shows only the instance's and hides keys", method: "GET", path: "/api/v1/instances/{a}/chat-widgets", key: "a",
		setup: seedWidgets, status: 200,
		want: []string{`"id":"{a.widget}"`, `"id":"{a.widget.locked}"`, `"hasSecurityKey":true`}, not: []string{seededWidgetKey, "{b.widget}"}},
	{name: "update chat widget without a security key keeps it", method: "PUT", path: "/api/v1/instances/{a}/chat-widgets/{a.widget.locked}", key: "a",
		setup:  seedWidgets,
		body:   `{"name":"Signed","contactFlowId":"{a.flow}","allowedOrigins":["https://shop.example.com"],"requireToken":true,"disabled":true,"version":1}`,
		status: 200, want: []string{`"hasSecurityKey":true`, `"disabled":true`, `"version":2`}, not: []string{seededWidgetKey},
		check: func(t *testing.T, f *fixture, r *response) {
			if w := get(t, f.st.ChatWidgets, f.id("a"), f.id("a.widget.locked")); w.SecurityKey != seededWidgetKey || !w.Disabled {
				t.Fatalf("stored %+v", w)
			}
		}},
	{name: "delete chat widget", method: "DELETE", path: "/api/v1/instances/{a}/chat-widgets/{a.widget}", key: "a", setup: seedWidgets, status: 204,
		check: func(t *testing.T, f *fixture, r *response) {
			gone(t, f.st.ChatWidgets, f.id("a"), f.id("a.widget"))
			get(t, f.st.ChatWidgets, f.id("b"), f.id("b.widget"))
		}},
	{name: "a page on an allowed origin reads its chat widget's configuration without a key", method: "GET",
		path: "/api/v1/widgets/{a.widget}", header: map[string]string{"Origin": "https://shop.example.com"}, setup: seedWidgets, status: 200,
		want: []string{`"WidgetId":"{a.widget}"`, `"Title":"Chat with us"`, `"Color":"#1a73e8"`, `"DisplayName":"Guest"`, `"RequireToken":false`},
		not:  []string{seededWidgetKey},
		check: func(t *testing.T, f *fixture, r *response) {
			wantCORS(t, r, "https://shop.example.com")
		}},
	{name: "a page on an allowed origin starts a chat through its chat widget without a key", method: "POST",
		path: "/api/v1/widgets/{a.widget}/chat", header: map[string]string{"Origin": "https://shop.example.com"},
		setup: seedPublishedWidgets, body: `{"ParticipantDetails":{"DisplayName":"Jane"}}`, status: 201,
		want: []string{`"ContactId":"chat-{a.flow}"`, `"ParticipantId":"p-{a}"`, `"ParticipantToken":"tok-Jane"`},
		check: func(t *testing.T, f *fixture, r *response) {
			wantCORS(t, r, "https://shop.example.com")
		}},

	// The API describes itself.
	{name: "OpenAPI document needs no key", method: "GET", path: "/api/v1/openapi.json", status: 200, want: []string{`"openapi": "3.0.3"`}},
}

// seedAgentStatuses names instances a's and b's system agent statuses
// ({x.as.available}, {x.as.offline}) and gives each a CUSTOM one, Lunch
// ({x.as.lunch}).
func seedAgentStatuses(t *testing.T, f *fixture) {
	t.Helper()
	ctx := context.Background()
	for _, x := range []string{"a", "b"} {
		for _, name := range []string{core.AgentStatusNameAvailable, core.AgentStatusNameOffline} {
			s, err := f.st.AgentStatuses.GetByName(ctx, f.id(x), name)
			mustDo(t, err)
			f.vars[x+".as."+strings.ToLower(name)] = s.ID
		}
		s := &core.AgentStatus{Name: "Lunch", Type: core.AgentStatusCustom, DisplayOrder: 2}
		mustDo(t, f.st.AgentStatuses.Create(ctx, f.id(x), s))
		f.vars[x+".as.lunch"] = s.ID
	}
}

// seedWebhook gives instances a and b a webhook subscription each, {x.webhook}.
func seedWebhook(t *testing.T, f *fixture) {
	t.Helper()
	for _, x := range []string{"a", "b"} {
		w := &core.WebhookSubscription{Name: "Events", URL: "https://hooks.example.com/" + x, Secret: seededSecret}
		mustDo(t, f.st.WebhookSubscriptions().Create(context.Background(), f.id(x), w))
		f.vars[x+".webhook"] = w.ID
	}
}

// importableFlow is a complete flow in Amazon Connect's current export format.
const importableFlow = `{"Version":"2019-10-30","StartAction":"hello","Actions":[
	{"Identifier":"hello","Type":"MessageParticipant","Parameters":{"Text":"Hello"},
	 "Transitions":{"NextAction":"bye","Errors":[{"NextAction":"bye","ErrorType":"NoMatchingError"}]}},
	{"Identifier":"bye","Type":"DisconnectParticipant","Parameters":{},"Transitions":{}}]}`

func mustDo(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// setAlicePassword gives instance a's seeded user a real password.
func setAlicePassword(t *testing.T, f *fixture) {
	t.Helper()
	u := get(t, f.st.Users, f.id("a"), f.id("a.user"))
	h, err := auth.HashPassword("correct horse battery")
	mustDo(t, err)
	u.PasswordHash = h
	mustDo(t, f.st.Users.Update(context.Background(), f.id("a"), u, u.Version))
}

// bumpQueue changes instance a's queue behind the client's back (version 2).
func bumpQueue(t *testing.T, f *fixture) {
	t.Helper()
	q := get(t, f.st.Queues, f.id("a"), f.id("a.queue"))
	q.MaxContacts++
	mustDo(t, f.st.Queues.Update(context.Background(), f.id("a"), q, q.Version))
}

func publish(t *testing.T, f *fixture, flow string) {
	t.Helper()
	_, err := f.st.PublishFlow(context.Background(), f.id("a"), f.id(flow), 0)
	mustDo(t, err)
}

func uploadAudio(t *testing.T, f *fixture, x string) {
	t.Helper()
	info := core.AudioInfo{ContentType: "audio/wav", Encoding: "PCMU", SampleRate: 8000, Channels: 1, SizeBytes: int64(len(testWAV())), DurationMs: 100}
	_, err := f.st.SetPromptAudio(context.Background(), f.id(x), f.id(x+".prompt"), info, testWAV())
	mustDo(t, err)
}

func TestEveryRouteWorksOnBothBackends(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newTestEnv(t, st)
		runScenarios(t, e, happyPaths)
		if t.Failed() {
			return
		}
		// Each route of the table must have answered 2xx at least once: a new
		// route without a happy-path scenario fails here.
		ok := succeededRoutes(t, e.srv.reg)
		for _, rt := range e.srv.routes {
			if !ok[rt.method+" "+rt.path] {
				t.Errorf("no scenario got a 2xx from %s %s", rt.method, rt.path)
			}
		}
	})
}

// succeededRoutes reads the request counter: the route patterns that answered 2xx.
func succeededRoutes(t *testing.T, reg *prometheus.Registry) map[string]bool {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	ok := map[string]bool{}
	for _, mf := range mfs {
		if mf.GetName() != "switchboard_http_requests_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if strings.HasPrefix(labels["status"], "2") {
				ok[labels["route"]] = true
			}
		}
	}
	return ok
}

// Optimistic concurrency: a client that sends the version (or ETag) it read
// cannot overwrite a change it has not seen.
var concurrencyScenarios = []scenario{
	{name: "update with a stale version in the body is a conflict", method: "PUT", path: "/api/v1/instances/{a}/queues/{a.queue}", key: "a",
		setup: bumpQueue, body: `{"name":"Billing","hoursOfOperationId":"{a.hours}","maxContacts":1,"version":1}`,
		status: 409, field: "version", want: []string{"is 2, not 1"}},
	{name: "update with a stale If-Match is a conflict", method: "PUT", path: "/api/v1/instances/{a}/queues/{a.queue}", key: "a",
		setup: bumpQueue, header: map[string]string{"If-Match": `"1"`},
		body: `{"name":"Billing","hoursOfOperationId":"{a.hours}","maxContacts":1}`, status: 409, field: "version"},
	{name: "If-Match that is not an ETag is refused", method: "PUT", path: "/api/v1/instances/{a}/queues/{a.queue}", key: "a",
		header: map[string]string{"If-Match": "yesterday"},
		body:   `{"name":"Billing","hoursOfOperationId":"{a.hours}"}`, status: 400, field: "If-Match"},
	{name: "If-Match that contradicts the body's version is refused", method: "PUT", path: "/api/v1/instances/{a}/queues/{a.queue}", key: "a",
		header: map[string]string{"If-Match": `"2"`},
		body:   `{"name":"Billing","hoursOfOperationId":"{a.hours}","version":1}`, status: 400, field: "version"},
	{name: "a negative version is refused", method: "PUT", path: "/api/v1/instances/{a}/queues/{a.queue}", key: "a",
		body: `{"name":"Billing","hoursOfOperationId":"{a.hours}","version":-1}`, status: 400, field: "version"},
	{name: "update instance with a stale version is a conflict", method: "PUT", path: "/api/v1/instances/{a}", key: "a",
		setup: func(t *testing.T, f *fixture) {
			in, err := f.st.GetInstance(context.Background(), f.id("a"))
			mustDo(t, err)
			mustDo(t, f.st.UpdateInstance(context.Background(), in, in.Version))
		},
		body: `{"alias":"{a.alias}","description":"late","version":1}`, status: 409, field: "version"},
	{name: "publishing a draft that changed since it was read is a conflict", method: "POST", path: "/api/v1/instances/{a}/flows/{a.flow}/publish", key: "a",
		setup: func(t *testing.T, f *fixture) {
			fl := get(t, f.st.Flows, f.id("a"), f.id("a.flow"))
			fl.Description = "edited"
			mustDo(t, f.st.Flows.Update(context.Background(), f.id("a"), fl, fl.Version))
		},
		header: map[string]string{"If-Match": `"1"`}, status: 409, field: "version"},
	{name: "a user update with a stale version keeps the stored password", method: "PUT", path: "/api/v1/instances/{a}/users/{a.user}", key: "a",
		setup: func(t *testing.T, f *fixture) {
			u := get(t, f.st.Users, f.id("a"), f.id("a.user"))
			mustDo(t, f.st.Users.Update(context.Background(), f.id("a"), u, u.Version))
		},
		body:   `{"username":"alice","securityProfileIds":["{a.sp.agent}"],"password":"a different one","version":1}`,
		status: 409, field: "version",
		check: func(t *testing.T, f *fixture, r *response) {
			if u := get(t, f.st.Users, f.id("a"), f.id("a.user")); u.PasswordHash != seededPasswordHash {
				t.Fatal("a refused update changed the password")
			}
		}},
}

func TestOptimisticConcurrency(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		runScenarios(t, newTestEnv(t, st), concurrencyScenarios)
	})
}

func TestConcurrentUpdatesOfOneVersionLetExactlyOneWin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newTestEnv(t, st)
		f := e.newFixture(t)
		const n = 8
		statuses := make([]int, n)
		var wg sync.WaitGroup
		path := f.expand(t, "/api/v1/instances/{a}/queues/{a.queue}")
		for i := range n {
			body := f.expand(t, `{"name":"Billing","hoursOfOperationId":"{a.hours}","version":1,"maxContacts":`) + strconv.Itoa(i+1) + "}"
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses[i] = f.call(t, "PUT", path, "a", []byte(body), nil).status
			}()
		}
		wg.Wait()
		wins := 0
		for _, s := range statuses {
			switch s {
			case http.StatusOK:
				wins++
			case http.StatusConflict:
			default:
				t.Errorf("concurrent update answered %d", s)
			}
		}
		if wins != 1 {
			t.Fatalf("%d of %d concurrent updates of version 1 won (%v), want exactly 1", wins, n, statuses)
		}
		if q := get(t, st.Queues, f.id("a"), f.id("a.queue")); q.Version != 2 {
			t.Fatalf("queue is at version %d after one winning update", q.Version)
		}
		if logs := e.logs.take(); logs != "" {
			t.Fatalf("server logged:\n%s", logs)
		}
	})
}

func TestConcurrentCreatesOfOneNameLetExactlyOneWin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newTestEnv(t, st)
		f := e.newFixture(t)
		const n = 8
		res := make([]*response, n)
		var wg sync.WaitGroup
		path := f.expand(t, "/api/v1/instances/{a}/prompts")
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res[i] = f.call(t, "POST", path, "a", []byte(`{"name":"Race"}`), nil)
			}()
		}
		wg.Wait()
		wins := 0
		for _, r := range res {
			switch r.status {
			case http.StatusCreated:
				wins++
			case http.StatusConflict:
				checkProblem(t, r, "name")
			default:
				t.Errorf("concurrent create answered %s", r)
			}
		}
		if wins != 1 || count(t, st.Prompts, f.id("a")) != 2 {
			t.Fatalf("%d creates of one name won; the instance has %d prompts", wins, count(t, st.Prompts, f.id("a")))
		}
		if logs := e.logs.take(); logs != "" {
			t.Fatalf("server logged:\n%s", logs)
		}
	})
}

// References between resources: a resource still in use cannot be deleted,
// and the 409 says who uses it.
var referenceScenarios = []scenario{
	{name: "deleting a queue used by a routing profile is a conflict naming it", method: "DELETE", path: "/api/v1/instances/{a}/queues/{a.queue}", key: "a",
		setup: func(t *testing.T, f *fixture) {
			mustDo(t, f.st.QuickConnects.Delete(context.Background(), f.id("a"), f.id("a.qc")))
		},
		status: 409, want: []string{"still used by routing-profile {a.rp}", "queues[0].queueId"},
		check: func(t *testing.T, f *fixture, r *response) { get(t, f.st.Queues, f.id("a"), f.id("a.queue")) }},
	{name: "deleting a queue used by a quick connect is a conflict", method: "DELETE", path: "/api/v1/instances/{a}/queues/{a.queue}", key: "a",
		setup: func(t *testing.T, f *fixture) {
			rp := get(t, f.st.RoutingProfiles, f.id("a"), f.id("a.rp"))
			rp.Queues = nil
			mustDo(t, f.st.RoutingProfiles.Update(context.Background(), f.id("a"), rp, 0))
		},
		status: 409, want: []string{"still used by quick-connect {a.qc}"}},
	{name: "deleting a quick connect a queue lists is a conflict naming the queue", method: "DELETE", path: "/api/v1/instances/{a}/quick-connects/{a.qc}", key: "a",
		setup: func(t *testing.T, f *fixture) {
			q := get(t, f.st.Queues, f.id("a"), f.id("a.queue"))
			q.QuickConnectIDs = []string{f.id("a.qc")}
			mustDo(t, f.st.Queues.Update(context.Background(), f.id("a"), q, 0))
		},
		status: 409, want: []string{"still used by queue {a.queue}", `\"Billing\"`, "quickConnectIds[0]"},
		check: func(t *testing.T, f *fixture, r *response) { get(t, f.st.QuickConnects, f.id("a"), f.id("a.qc")) }},
	{name: "a queue cannot list a missing quick connect", method: "PUT", path: "/api/v1/instances/{a}/queues/{a.queue}", key: "a",
		body: `{"name":"Billing","hoursOfOperationId":"{a.hours}","quickConnectIds":["{a.qc}","{missing}"]}`, status: 422, field: "quickConnectIds[1]"},
	{name: "deleting hours used by a queue is a conflict", method: "DELETE", path: "/api/v1/instances/{a}/hours-of-operation/{a.hours}", key: "a",
		status: 409, want: []string{"still used by queue {a.queue}", "hoursOfOperationId"}},
	{name: "deleting a flow a phone number starts is a conflict", method: "DELETE", path: "/api/v1/instances/{a}/flows/{a.flow}", key: "a",
		status: 409, want: []string{"still used by phone-number {a.phone}", "flowId"}},
	{name: "deleting a routing profile agents use is a conflict", method: "DELETE", path: "/api/v1/instances/{a}/routing-profiles/{a.rp}", key: "a",
		status: 409, want: []string{"still used by user {a.user}"}},
	{name: "deleting a security profile users have is a conflict", method: "DELETE", path: "/api/v1/instances/{a}/security-profiles/{a.sp.agent}", key: "a",
		status: 409, want: []string{"still used by user {a.user}", "securityProfileIds[0]"}},
	{name: "a queue cannot use hours that do not exist", method: "POST", path: "/api/v1/instances/{a}/queues", key: "a",
		body: `{"name":"New","hoursOfOperationId":"{missing}"}`, status: 422, field: "hoursOfOperationId"},
	{name: "a routing profile cannot list a missing queue", method: "POST", path: "/api/v1/instances/{a}/routing-profiles", key: "a",
		body:   `{"name":"New","queues":[{"queueId":"{a.queue}","channel":"VOICE"},{"queueId":"{missing}","channel":"VOICE"}],"mediaConcurrencies":[{"channel":"VOICE","concurrency":1}]}`,
		status: 422, field: "queues[1].queueId"},
	{name: "a phone number cannot start a missing flow", method: "PUT", path: "/api/v1/instances/{a}/phone-numbers/{a.phone}", key: "a",
		body: `{"number":"{a.number}","flowId":"{missing}"}`, status: 422, field: "flowId"},
	{name: "a quick connect cannot name a missing user", method: "POST", path: "/api/v1/instances/{a}/quick-connects", key: "a",
		body: `{"name":"New","type":"USER","userId":"{missing}"}`, status: 422, field: "userId"},
	{name: "a queue's outbound whisper flow must exist", method: "POST", path: "/api/v1/instances/{a}/queues", key: "a",
		body: `{"name":"New","hoursOfOperationId":"{a.hours}","outboundCallerId":{"flowId":"{missing}"}}`, status: 422, field: "outboundCallerId.flowId"},
}

func TestReferencesAreKeptIntact(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		runScenarios(t, newTestEnv(t, st), referenceScenarios)
	})
}
