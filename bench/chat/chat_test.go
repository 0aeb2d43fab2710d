// Package bench measures the chat channel end to end: many concurrent
// chats, each with a customer that speaks the participant protocol as
// amazon-connect-chatjs does (POST /participant/message with a connection
// token, items on a subscribed WebSocket) and an agent (a chat.Member) that
// echoes every message. One round trip is: the customer posts, the agent
// reads it and answers, the customer receives the answer on its WebSocket.
// Everything runs in one process over loopback TCP.
//
//	go test -run '^$' -bench ChatEndToEnd -benchtime 20000x ./bench/chat/
//
// It reports round trips per second (msgs/s) and the round-trip latency
// percentiles, with 1,000 and 5,000 concurrent WebSocket clients. 5,000
// chats take about 11,000 file descriptors (two per WebSocket, both ends
// in this process, plus the HTTP pool): check `ulimit -n`.
package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/switchboard-cc/switchboard/internal/chat"
)

func TestMain(m *testing.M) {
	code := m.Run()
	for _, f := range fixtures {
		f.close()
	}
	os.Exit(code)
}

// fixtures are built once per chat count and reused across the b.N rounds
// the testing package runs: connecting 5,000 WebSockets is the slow part.
var fixtures = map[int]*fixture{}

type fixture struct {
	svc    *chat.Service
	srv    *httptest.Server
	client *http.Client
	chats  []*customer
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// customer is one chat's customer side.
type customer struct {
	token   string
	ws      *websocket.Conn
	replies chan string // the agent's messages, as they arrive

	mu  sync.Mutex // one round trip at a time
	seq int
}

// roundTrip posts a message and waits for the agent's echo.
func (f *fixture) roundTrip(ctx context.Context, c *customer) (time.Duration, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	text := fmt.Sprintf("m%d", c.seq)
	t0 := time.Now()
	if err := f.post(ctx, "/participant/message", c.token, map[string]string{"ContentType": "text/plain", "Content": text}, nil); err != nil {
		return 0, err
	}
	select {
	case got := <-c.replies:
		if got != "echo "+text {
			return 0, fmt.Errorf("got %q, want the echo of %q", got, text)
		}
	case <-time.After(30 * time.Second):
		return 0, fmt.Errorf("no echo of %q in 30 s", text)
	}
	return time.Since(t0), nil
}

func BenchmarkChatEndToEnd(b *testing.B) {
	for _, n := range []int{1000, 5000} {
		b.Run(fmt.Sprintf("chats=%d", n), func(b *testing.B) {
			f := fixtures[n]
			if f == nil {
				var err error
				if f, err = newFixture(n); err != nil {
					b.Fatal(err)
				}
				fixtures[n] = f
			}
			f.run(b)
		})
	}
}

// BenchmarkChatPaced offers a steady load instead of saturating: the
// chats take turns so that the whole sends rate round trips per second (at
// 1,000/s each of 5,000 customers sends a message every 5 s), and reports
// the latency at that load.
func BenchmarkChatPaced(b *testing.B) {
	const rate = 1000
	for _, n := range []int{1000, 5000} {
		b.Run(fmt.Sprintf("chats=%d/rate=%d", n, rate), func(b *testing.B) {
			f := fixtures[n]
			if f == nil {
				var err error
				if f, err = newFixture(n); err != nil {
					b.Fatal(err)
				}
				fixtures[n] = f
			}
			f.paced(b, rate)
		})
	}
}

func newFixture(n int) (*fixture, error) {
	svc, err := chat.New(chat.Config{
		RateLimit:            -1,
		InactivityTimeout:    -1,
		MaxDuration:          -1,
		WebSocketIdleTimeout: time.Hour,
		Logger:               slog.New(slog.NewTextHandler(io.Discard, nil)),
	}, chat.NewMemoryBackend(), nil)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	f := &fixture{
		svc:    svc,
		srv:    httptest.NewServer(svc.Handler()),
		cancel: cancel,
		client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 512, MaxConnsPerHost: 512}},
		chats:  make([]*customer, n),
	}
	// Connect the chats with a few workers.
	errs := make(chan error, n)
	next := make(chan int)
	var wg sync.WaitGroup
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				c, err := f.connect(ctx, i)
				if err != nil {
					errs <- fmt.Errorf("chat %d: %w", i, err)
					continue
				}
				f.chats[i] = c
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		f.close()
		return nil, err
	}
	return f, nil
}

// connect starts a chat, connects its customer as chatjs does, and puts an
// echoing agent in it.
func (f *fixture) connect(ctx context.Context, i int) (*customer, error) {
	p, err := f.svc.StartChat(ctx, chat.StartChatRequest{InstanceID: "bench", ContactID: fmt.Sprintf("bench-%06d", i)})
	if err != nil {
		return nil, err
	}
	var conn struct {
		Websocket             struct{ Url string }
		ConnectionCredentials struct{ ConnectionToken string }
	}
	if err := f.post(ctx, "/participant/connection", p.ParticipantToken, map[string]any{"Type": []string{"WEBSOCKET", "CONNECTION_CREDENTIALS"}, "ConnectParticipant": true}, &conn); err != nil {
		return nil, err
	}
	ws, _, err := websocket.Dial(ctx, conn.Websocket.Url, nil)
	if err != nil {
		return nil, err
	}
	ws.SetReadLimit(1 << 20)
	if err := ws.Write(ctx, websocket.MessageText, []byte(`{"topic":"aws/subscribe","content":{"topics":["aws/chat"]}}`)); err != nil {
		return nil, err
	}
	if _, b, err := ws.Read(ctx); err != nil || !bytes.Contains(b, []byte(`"success"`)) {
		return nil, fmt.Errorf("subscribe: %s %v", b, err)
	}
	c := &customer{token: conn.ConnectionCredentials.ConnectionToken, ws: ws, replies: make(chan string, 16), seq: i * 1_000_000}

	agent, err := f.svc.Join(ctx, p.ContactID, chat.JoinRequest{Role: chat.RoleAgent, DisplayName: "Echo"})
	if err != nil {
		return nil, err
	}
	f.wg.Add(2)
	go func() { // the agent echoes
		defer f.wg.Done()
		for {
			it, err := agent.Next(ctx)
			if err != nil {
				return
			}
			if it.IsMessage() && it.ParticipantRole == chat.RoleCustomer {
				if _, err := agent.Send(ctx, "", "echo "+it.Content); err != nil {
					return
				}
			}
		}
	}()
	go func() { // the customer's WebSocket reader, as chatjs's
		defer f.wg.Done()
		for {
			_, b, err := ws.Read(ctx)
			if err != nil {
				return
			}
			var fr struct{ Topic, Content string }
			if json.Unmarshal(b, &fr) != nil || fr.Topic != "aws/chat" {
				continue
			}
			var it chat.Item
			if json.Unmarshal([]byte(fr.Content), &it) == nil && it.ParticipantRole == chat.RoleAgent && it.IsMessage() {
				c.replies <- it.Content
			}
		}
	}()
	return c, nil
}

func (f *fixture) post(ctx context.Context, path, bearer string, body, out any) error {
	j, _ := json.Marshal(body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, f.srv.URL+path, bytes.NewReader(j))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Amz-Bearer", bearer)
	res, err := f.client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %d %s", path, res.StatusCode, b)
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

// run does b.N round trips spread over all the chats at once.
func (f *fixture) run(b *testing.B) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	n := len(f.chats)
	lat := make([][]time.Duration, n)
	errs := make(chan error, n)
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for i, c := range f.chats {
		share := b.N / n
		if i < b.N%n {
			share++
		}
		if share == 0 {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			lat[i] = make([]time.Duration, 0, share)
			for range share {
				d, err := f.roundTrip(ctx, c)
				if err != nil {
					errs <- fmt.Errorf("chat %d: %w", i, err)
					return
				}
				lat[i] = append(lat[i], d)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatal(err)
	}
	report(b, slices.Concat(lat...), elapsed)
}

// paced does b.N round trips at rate per second, the chats taking turns.
func (f *fixture) paced(b *testing.B, rate float64) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	var (
		mu   sync.Mutex
		lat  = make([]time.Duration, 0, b.N)
		errs = make(chan error, b.N)
		wg   sync.WaitGroup
	)
	b.ResetTimer()
	start := time.Now()
	for j := range b.N {
		if d := time.Until(start.Add(time.Duration(float64(j) / rate * float64(time.Second)))); d > 0 {
			time.Sleep(d)
		}
		c := f.chats[j%len(f.chats)]
		wg.Add(1)
		go func() {
			defer wg.Done()
			d, err := f.roundTrip(ctx, c)
			if err != nil {
				errs <- err
				return
			}
			mu.Lock()
			lat = append(lat, d)
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatal(err)
	}
	report(b, lat, elapsed)
}

// report adds the throughput and latency metrics.
func report(b *testing.B, all []time.Duration, elapsed time.Duration) {
	slices.Sort(all)
	pct := func(p float64) float64 {
		return float64(all[min(len(all)-1, int(p*float64(len(all))))].Microseconds()) / 1000
	}
	b.ReportMetric(float64(len(all))/elapsed.Seconds(), "msgs/s")
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(pct(1), "max-ms")
	b.ReportMetric(0, "ns/op") // a round trip's cost is in msgs/s; ns/op would count the pacing
}

func (f *fixture) close() {
	for _, c := range f.chats {
		if c != nil {
			c.ws.CloseNow()
		}
	}
	f.cancel()
	f.svc.Close()
	f.srv.Close()
	f.wg.Wait()
}
