// Package bench measures flow function invocations (InvokeLambdaFunction)
// against a local HTTP function, so the figures are the invoker's own cost
// (event encoding, signing, HTTP round trip over loopback, response
// parsing) rather than a function's:
//
//	go test -run '^$' -bench . -benchtime 3s ./bench/function/
package bench

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/core"
	"github.com/switchboard-cc/switchboard/internal/function"
)

// stringMapReply and jsonReply are typical function results: a customer
// lookup, flat and nested.
const (
	stringMapReply = `{"AccountId":"a12345689","Balance":"1000.00","Tier":"gold","OpenCase":"true"}`
	jsonReply      = `{"customer":{"accountId":"a12345689","balance":1000.0,"tier":"gold","cases":[{"id":"C-1","open":true}]}}`
)

// event is a typical inbound voice contact with a few attributes and parameters.
var event = function.Event{Details: function.Details{
	ContactData: function.ContactData{
		Attributes:       map[string]string{"language": "en-US", "segment": "retail", "ivrPath": "billing"},
		Channel:          "VOICE",
		ContactID:        "4a573372-1f28-4e26-b97b-000000000001",
		CustomerEndpoint: &function.Endpoint{Address: "+15550100001", Type: "TELEPHONE_NUMBER"},
		InitialContactID: "4a573372-1f28-4e26-b97b-000000000001",
		InitiationMethod: "INBOUND",
		InstanceARN:      "arn:aws:connect:us-east-1:111122223333:instance/00000000-0000-0000-0000-000000000001",
		Queue:            &function.Queue{ARN: "arn:aws:connect:us-east-1:111122223333:instance/i/queue/q", Name: "Billing"},
		SystemEndpoint:   &function.Endpoint{Address: "+15550100002", Type: "TELEPHONE_NUMBER"},
	},
	Parameters: map[string]string{"operation": "lookupCustomer"},
}}

// server is a function that reads the event and returns body.
func server(b *testing.B, body string) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ev function.Event
		if err := json.NewDecoder(r.Body).Decode(&ev); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, body)
	}))
	b.Cleanup(srv.Close)
	return srv
}

func BenchmarkInvoke(b *testing.B) {
	for _, tc := range []struct {
		name   string
		reply  string
		rt     function.ResponseType
		secret string
	}{
		{"string_map", stringMapReply, function.StringMap, ""},
		{"string_map_signed", stringMapReply, function.StringMap, "bench-secret-0123456789abcdef"},
		{"json", jsonReply, function.JSON, ""},
	} {
		srv := server(b, tc.reply)
		fn := core.Function{Name: "lookup", URL: srv.URL, TimeoutSeconds: 8, Internal: true, Secret: tc.secret}
		opts := function.InvokeOptions{TimeLimit: 8 * time.Second, ResponseType: tc.rt}
		newInvoker := func(b *testing.B) *function.Invoker {
			inv := function.New(function.Options{Version: "bench", Logger: slog.New(slog.DiscardHandler)})
			b.Cleanup(inv.Close)
			return inv
		}

		b.Run(tc.name+"/serial", func(b *testing.B) {
			inv := newInvoker(b)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := inv.Invoke(context.Background(), fn, event, opts); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "invocations/s")
		})
		b.Run(tc.name+"/parallel", func(b *testing.B) {
			inv := newInvoker(b)
			b.ReportAllocs()
			b.SetParallelism(8) // 8 goroutines per CPU, like many concurrent contacts
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := inv.Invoke(context.Background(), fn, event, opts); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "invocations/s")
		})
	}
}
