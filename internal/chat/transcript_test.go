package chat

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// transcriptFixture is a chat with the customer's joined event and 25
// messages m01..m25.
func transcriptFixture(t *testing.T) (*testServer, StartChatResult, string) {
	t.Helper()
	ts := newTestServer(t, Config{RateLimit: -1})
	p := ts.start()
	tok := ts.connect(p).ConnectionCredentials.ConnectionToken
	for i := 1; i <= 25; i++ {
		if r := ts.send(tok, fmt.Sprintf("m%02d", i)); r.status != http.StatusOK {
			t.Fatal(r.status)
		}
	}
	return ts, p, tok
}

// names renders a page as the message contents ("joined" for the event).
func names(items []Item) string {
	var s []string
	for _, it := range items {
		if it.IsMessage() {
			s = append(s, it.Content)
		} else {
			s = append(s, "joined")
		}
	}
	return strings.Join(s, " ")
}

func (ts *testServer) transcript(tok string, req map[string]any) (transcriptResponse, response) {
	ts.t.Helper()
	r := ts.post("/participant/transcript", tok, req)
	var tr transcriptResponse
	if r.status == http.StatusOK {
		r.json(ts.t, &tr)
	}
	return tr, r
}

func TestTranscriptPaging(t *testing.T) {
	ts, p, tok := transcriptFixture(t)
	cases := []struct {
		name     string
		req      map[string]any
		want     string
		wantNext bool
	}{
		{name: "defaults: the 10 most recent, oldest first", req: nil, want: "m16 m17 m18 m19 m20 m21 m22 m23 m24 m25", wantNext: true},
		{name: "as chatjs asks", req: map[string]any{"MaxResults": 15, "ScanDirection": "BACKWARD", "SortOrder": "ASCENDING", "StartPosition": map[string]any{}},
			want: "m11 m12 m13 m14 m15 m16 m17 m18 m19 m20 m21 m22 m23 m24 m25", wantNext: true},
		{name: "descending", req: map[string]any{"MaxResults": 3, "SortOrder": "DESCENDING"}, want: "m25 m24 m23", wantNext: true},
		{name: "forward from the start", req: map[string]any{"MaxResults": 3, "ScanDirection": "FORWARD"}, want: "joined m01 m02", wantNext: true},
		{name: "everything", req: map[string]any{"MaxResults": 100, "ScanDirection": "FORWARD"}, want: "joined " + seq(1, 25), wantNext: false},
		{name: "backward from an Id, inclusive", req: map[string]any{"MaxResults": 2, "StartPosition": map[string]any{"Id": "@m05"}}, want: "m04 m05", wantNext: true},
		{name: "forward from an Id", req: map[string]any{"MaxResults": 2, "ScanDirection": "FORWARD", "StartPosition": map[string]any{"Id": "@m24"}}, want: "m24 m25", wantNext: false},
		{name: "most recent 0 is the last item", req: map[string]any{"MaxResults": 2, "StartPosition": map[string]any{"MostRecent": 0}}, want: "m24 m25", wantNext: true},
		{name: "most recent 3", req: map[string]any{"MaxResults": 2, "StartPosition": map[string]any{"MostRecent": 3}}, want: "m21 m22", wantNext: true},
		{name: "backward from a time after everything", req: map[string]any{"MaxResults": 1, "StartPosition": map[string]any{"AbsoluteTime": "2999-01-01T00:00:00.000Z"}}, want: "m25", wantNext: true},
		{name: "forward from a time after everything", req: map[string]any{"ScanDirection": "FORWARD", "StartPosition": map[string]any{"AbsoluteTime": "2999-01-01T00:00:00Z"}}, want: "", wantNext: false},
		{name: "backward from a time before everything", req: map[string]any{"StartPosition": map[string]any{"AbsoluteTime": "2000-01-01T00:00:00.000Z"}}, want: "", wantNext: false},
		{name: "own contact ID", req: map[string]any{"MaxResults": 1, "ContactId": p.ContactID}, want: "m25", wantNext: true},
	}
	ids := map[string]string{}
	for _, it := range ts.mustTranscript(p.ContactID) {
		ids["@"+it.Content] = it.ID
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if sp, ok := tc.req["StartPosition"].(map[string]any); ok {
				if id, ok := sp["Id"].(string); ok {
					sp["Id"] = ids[id]
				}
			}
			tr, r := ts.transcript(tok, tc.req)
			if r.status != http.StatusOK {
				t.Fatalf("status %d %s", r.status, r.body)
			}
			if got := names(tr.Transcript); got != tc.want {
				t.Errorf("page %q, want %q", got, tc.want)
			}
			if (tr.NextToken != "") != tc.wantNext {
				t.Errorf("NextToken %q, want one: %v", tr.NextToken, tc.wantNext)
			}
			if tr.InitialContactID != p.ContactID {
				t.Errorf("InitialContactId %q", tr.InitialContactID)
			}
		})
	}
}

func seq(from, to int) string {
	var s []string
	for i := from; i <= to; i++ {
		s = append(s, fmt.Sprintf("m%02d", i))
	}
	return strings.Join(s, " ")
}

func TestTranscriptNextTokenWalksTheWholeChat(t *testing.T) {
	ts, _, tok := transcriptFixture(t)
	for _, scan := range []string{"BACKWARD", "FORWARD"} {
		t.Run(scan, func(t *testing.T) {
			var all []Item
			next := ""
			for pages := 0; ; pages++ {
				if pages > 10 {
					t.Fatal("paging does not end")
				}
				req := map[string]any{"MaxResults": 7, "ScanDirection": scan}
				if next != "" {
					req["NextToken"] = next
				}
				tr, r := ts.transcript(tok, req)
				if r.status != http.StatusOK {
					t.Fatalf("status %d %s", r.status, r.body)
				}
				if scan == "BACKWARD" {
					all = append(tr.Transcript, all...)
				} else {
					all = append(all, tr.Transcript...)
				}
				if next = tr.NextToken; next == "" {
					break
				}
			}
			if got := names(all); got != "joined "+seq(1, 25) {
				t.Errorf("walked %q", got)
			}
		})
	}
}

func TestTranscriptValidation(t *testing.T) {
	ts, _, tok := transcriptFixture(t)
	fwd, _ := ts.transcript(tok, map[string]any{"MaxResults": 2, "ScanDirection": "FORWARD"})
	other := ts.start()
	cases := []struct {
		name   string
		req    map[string]any
		status int
		errT   string
	}{
		{"scan direction", map[string]any{"ScanDirection": "SIDEWAYS"}, 400, ErrTypeValidation},
		{"sort order", map[string]any{"SortOrder": "RANDOM"}, 400, ErrTypeValidation},
		{"too many results", map[string]any{"MaxResults": 101}, 400, ErrTypeValidation},
		{"negative results", map[string]any{"MaxResults": -1}, 400, ErrTypeValidation},
		{"two start positions", map[string]any{"StartPosition": map[string]any{"MostRecent": 1, "Id": "x"}}, 400, ErrTypeValidation},
		{"most recent out of range", map[string]any{"StartPosition": map[string]any{"MostRecent": 101}}, 400, ErrTypeValidation},
		{"bad time", map[string]any{"StartPosition": map[string]any{"AbsoluteTime": "yesterday"}}, 400, ErrTypeValidation},
		{"unknown start Id", map[string]any{"StartPosition": map[string]any{"Id": "nope"}}, 404, ErrTypeResourceNotFound},
		{"garbage NextToken", map[string]any{"NextToken": "%%%"}, 400, ErrTypeValidation},
		{"NextToken of the other direction", map[string]any{"NextToken": fwd.NextToken, "ScanDirection": "BACKWARD"}, 400, ErrTypeValidation},
		{"another contact", map[string]any{"ContactId": other.ContactID}, 403, ErrTypeAccessDenied},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, r := ts.transcript(tok, tc.req)
			if r.status != tc.status || r.errType() != tc.errT {
				t.Fatalf("got %d %q %s, want %d %q", r.status, r.errType(), r.body, tc.status, tc.errT)
			}
		})
	}
}

func TestItemTimesNeverGoBack(t *testing.T) {
	ts := newTestServer(t, Config{RateLimit: -1})
	p := ts.start()
	tok := ts.connect(p).ConnectionCredentials.ConnectionToken
	ts.send(tok, "first")
	ts.clk.advance(-time.Hour) // the clock steps back
	ts.send(tok, "second")
	tr := ts.mustTranscript(p.ContactID)
	a, b := mustParse(t, tr[len(tr)-2].AbsoluteTime), mustParse(t, tr[len(tr)-1].AbsoluteTime)
	if b.Before(a) {
		t.Fatalf("second message at %v, before the first at %v", b, a)
	}
}

func FuzzPageToken(f *testing.F) {
	f.Add(pageToken{Index: 3, Scan: scanBackward}.encode())
	f.Add("")
	f.Add("eyJpIjotMSwiZCI6IkIifQ")
	f.Fuzz(func(t *testing.T, s string) {
		items := make([]Item, 5)
		for i := range items {
			items[i] = Item{ID: fmt.Sprint(i), Type: TypeMessage, AbsoluteTime: FormatTime(time.Unix(int64(i), 0))}
		}
		for _, scan := range []string{scanBackward, scanForward} {
			page, _, err := transcriptPage(items, transcriptRequest{NextToken: s, ScanDirection: scan})
			if err == nil && len(page) > defaultMaxResults {
				t.Fatalf("page of %d", len(page))
			}
		}
	})
}
