package api

import (
	"net"
	"net/netip"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Defaults of the public chat-start rate limit (see Options.WidgetChatRate).
const (
	DefaultWidgetChatRate  = 10 // chats per minute per client and widget
	DefaultWidgetChatBurst = 5
)

// Bounds of the limiter's memory.
const (
	// widgetLimitIdle is how long a client's limiter is kept after its last
	// chat start (longer when refilling its burst takes longer: forgetting
	// a limiter is only lossless once it is full again).
	widgetLimitIdle = 10 * time.Minute
	// widgetLimitSweepEvery is how often idle limiters are looked for.
	widgetLimitSweepEvery = time.Minute
	// widgetLimitMaxClients caps the clients remembered at once; past it a
	// random one is forgotten (which only lets that client start its burst
	// again), so no flood of addresses can grow the map without bound.
	widgetLimitMaxClients = 100_000
)

// widgetLimiter limits chat starts per (widget, client) with a token bucket
// each (golang.org/x/time/rate), and forgets the buckets of idle clients.
// Time comes from now, so that tests can drive it.
type widgetLimiter struct {
	limit rate.Limit
	burst int
	idle  time.Duration
	now   func() time.Time

	mu        sync.Mutex
	clients   map[widgetClient]*clientBucket
	lastSweep time.Time
	max       int
}

type widgetClient struct {
	widgetID string
	client   string // the client's address, an IPv6 one as its /64
}

type clientBucket struct {
	lim  *rate.Limiter
	seen time.Time
}

// newWidgetLimiter allows perMinute chat starts a minute with bursts of
// burst; nil (no limit) when perMinute is not positive.
func newWidgetLimiter(perMinute float64, burst int, now func() time.Time) *widgetLimiter {
	if perMinute <= 0 {
		return nil
	}
	if burst < 1 {
		burst = DefaultWidgetChatBurst
	}
	l := &widgetLimiter{limit: rate.Limit(perMinute / 60), burst: burst, now: now,
		clients: map[widgetClient]*clientBucket{}, max: widgetLimitMaxClients, idle: widgetLimitIdle}
	if refill := time.Duration(float64(burst) / float64(l.limit) * float64(time.Second)); refill > l.idle {
		l.idle = refill
	}
	return l
}

// allow takes one chat start from the client's bucket. When it is empty it
// takes nothing and says how long until one is available.
func (l *widgetLimiter) allow(widgetID, remoteAddr string) (ok bool, retryAfter time.Duration) {
	now := l.now()
	key := widgetClient{widgetID: widgetID, client: clientKey(remoteAddr)}
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.lastSweep) >= widgetLimitSweepEvery {
		l.sweep(now)
	}
	b := l.clients[key]
	if b == nil {
		if len(l.clients) >= l.max {
			l.sweep(now)
			for k := range l.clients { // still full: forget one at random
				if len(l.clients) < l.max {
					break
				}
				delete(l.clients, k)
			}
		}
		b = &clientBucket{lim: rate.NewLimiter(l.limit, l.burst)}
		l.clients[key] = b
	}
	b.seen = now
	r := b.lim.ReserveN(now, 1)
	if !r.OK() { // cannot happen with burst >= 1
		return false, time.Minute
	}
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// sweep forgets the clients idle for longer than l.idle.
func (l *widgetLimiter) sweep(now time.Time) {
	l.lastSweep = now
	for k, b := range l.clients {
		if now.Sub(b.seen) > l.idle {
			delete(l.clients, k)
		}
	}
}

// size is the number of clients remembered.
func (l *widgetLimiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.clients)
}

// clientKey is who a request comes from, for rate limiting: the address of
// the TCP peer (r.RemoteAddr; the server has no trusted-proxy setting, so
// X-Forwarded-For is not believed), an IPv6 address as its /64, since one
// host commonly holds a whole /64.
func clientKey(remoteAddr string) string {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	a = a.Unmap().WithZone("")
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}
