//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/test/e2e/e2etest"
)

// client calls a server's API with a bearer key.
type client struct {
	base, token string
	hc          *http.Client
}

func newClient(t *testing.T, s *e2etest.Server, token string) *client {
	t.Helper()
	tr := &http.Transport{MaxIdleConnsPerHost: 16}
	t.Cleanup(tr.CloseIdleConnections)
	return &client{base: s.URL, token: token, hc: &http.Client{Timeout: 10 * time.Second, Transport: tr}}
}

// send makes one request; body, when not nil, is sent as JSON (a []byte as is).
// It returns the status, the headers and the body, or the transport error.
func (c *client) send(ctx context.Context, method, path string, body any) (int, http.Header, []byte, error) {
	var rd io.Reader
	if body != nil {
		b, ok := body.([]byte)
		if !ok {
			var err error
			if b, err = json.Marshal(body); err != nil {
				return 0, nil, nil, err
			}
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return 0, nil, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, nil, err
	}
	return resp.StatusCode, resp.Header, b, nil
}

// call makes a request that must answer want, decoding the answer into out
// (when not nil).
func (c *client) call(t *testing.T, method, path string, body any, want int, out any) http.Header {
	t.Helper()
	status, h, b, err := c.send(context.Background(), method, path, body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	if status != want {
		t.Fatalf("%s %s: status %d, want %d: %s", method, path, status, want, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: decode %s: %v", method, path, b, err)
		}
	}
	return h
}

// listAll follows nextToken through every page of a collection and returns
// its items' raw JSON.
func (c *client) listAll(t *testing.T, path string) []json.RawMessage {
	t.Helper()
	var all []json.RawMessage
	token := ""
	for {
		q := url.Values{"maxResults": {"1000"}}
		if token != "" {
			q.Set("nextToken", token)
		}
		var page struct {
			Items     []json.RawMessage `json:"items"`
			NextToken string            `json:"nextToken"`
		}
		c.call(t, "GET", path+"?"+q.Encode(), nil, http.StatusOK, &page)
		all = append(all, page.Items...)
		if page.NextToken == "" {
			return all
		}
		token = page.NextToken
	}
}

// alwaysOpen is a 24x7 hours-of-operation body named name.
func alwaysOpen(name string) map[string]any {
	var cfg []map[string]string
	for _, d := range []string{"MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"} {
		cfg = append(cfg, map[string]string{"day": d, "start": "00:00", "end": "24:00"})
	}
	return map[string]any{"name": name, "timeZone": "UTC", "config": cfg}
}

// idOf is the "id" of a JSON object.
func idOf(t *testing.T, raw json.RawMessage) string {
	t.Helper()
	var v struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(raw, &v); err != nil || v.ID == "" {
		t.Fatalf("no id in %s (%v)", raw, err)
	}
	return v.ID
}

func instancePath(id string, parts ...any) string {
	p := "/api/v1/instances/" + id
	for _, x := range parts {
		p += "/" + fmt.Sprint(x)
	}
	return p
}
