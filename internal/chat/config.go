package chat

import (
	"errors"
	"log/slog"
	"net/url"
	"strings"
	"time"
)

// Config tunes the chat service. The zero value is valid: every zero field
// takes the default documented on it.
type Config struct {
	// AllowedOrigin is the CORS origin the participant API allows: "*"
	// (the default) or one origin such as "https://www.example.com". It
	// also bounds the Origin of WebSocket handshakes.
	AllowedOrigin string
	// WebSocketURL is the base URL of the participant WebSocket as
	// customers reach it, e.g. "wss://chat.example.com/participant/ws".
	// Empty: derived from each request (wss:// behind TLS or an
	// X-Forwarded-Proto of https, ws:// otherwise). chatjs accepts only
	// wss:// URLs and ws://127.0.0.1:PORT, so a plain-HTTP deployment
	// reached by any other name must set this or put TLS in front.
	WebSocketURL string

	// ConnectionTokenTTL is how long a connection token is valid; 24 h by
	// default, at least 2 min. Clients refresh it by calling
	// /participant/connection again (chatjs does a minute before Expiry).
	ConnectionTokenTTL time.Duration
	// WebSocketURLTTL is how long a WebSocket URL can be used to connect;
	// 100 s by default, as Connect's (chatjs reconnects with the same URL
	// for up to 85 s, then asks for a new one). An open WebSocket is not
	// closed when its URL expires.
	WebSocketURLTTL time.Duration
	// InactivityTimeout ends a chat (reason IDLE_DISCONNECT) when the
	// customer has been gone this long: posted nothing — no message, no
	// typing, no event — and had no WebSocket open. A customer with the
	// chat open is present even when silent (waiting in a queue, reading):
	// the timeout ends chats whose customer closed the page without ending
	// them, before they reach an agent. 30 min by default, negative to
	// disable.
	InactivityTimeout time.Duration
	// MaxDuration ends a chat (reason EXPIRED) this long after it started;
	// 25 h by default (Connect's default chat duration), negative to
	// disable.
	MaxDuration time.Duration
	// WebSocketIdleTimeout closes a WebSocket that sent nothing, not even
	// a heartbeat (chatjs sends one every 10 s), for this long; 60 s by
	// default.
	WebSocketIdleTimeout time.Duration

	// MaxContentBytes bounds message and event content; 16,384 bytes by
	// default, the Participant Service's limit for every content type.
	MaxContentBytes int
	// RateLimit is how many messages and events per second one participant
	// may post, with RateBurst in a burst; 10/s with bursts of 20 by
	// default. Past it, ThrottlingException. Negative disables it.
	RateLimit float64
	RateBurst int

	// Logger receives the service's logs; slog.Default() if nil.
	Logger *slog.Logger
	// Now is the clock; time.Now if nil. Tests set it.
	Now func() time.Time
}

// The defaults of Config's zero fields.
const (
	DefaultConnectionTokenTTL   = 24 * time.Hour
	DefaultWebSocketURLTTL      = 100 * time.Second
	DefaultInactivityTimeout    = 30 * time.Minute
	DefaultMaxDuration          = 25 * time.Hour
	DefaultWebSocketIdleTimeout = 60 * time.Second
	DefaultMaxContentBytes      = 16384
	DefaultRateLimit            = 10
	DefaultRateBurst            = 20
)

func (c Config) withDefaults() Config {
	if c.AllowedOrigin == "" {
		c.AllowedOrigin = "*"
	}
	if c.ConnectionTokenTTL <= 0 {
		c.ConnectionTokenTTL = DefaultConnectionTokenTTL
	}
	if c.WebSocketURLTTL <= 0 {
		c.WebSocketURLTTL = DefaultWebSocketURLTTL
	}
	if c.InactivityTimeout == 0 {
		c.InactivityTimeout = DefaultInactivityTimeout
	}
	if c.MaxDuration == 0 {
		c.MaxDuration = DefaultMaxDuration
	}
	if c.WebSocketIdleTimeout <= 0 {
		c.WebSocketIdleTimeout = DefaultWebSocketIdleTimeout
	}
	if c.MaxContentBytes <= 0 {
		c.MaxContentBytes = DefaultMaxContentBytes
	}
	if c.RateLimit == 0 {
		c.RateLimit = DefaultRateLimit
	}
	if c.RateBurst <= 0 {
		c.RateBurst = DefaultRateBurst
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// Validate reports a configuration that cannot work.
func (c Config) Validate() error {
	var errs []error
	if c.AllowedOrigin != "" && c.AllowedOrigin != "*" {
		u, err := url.Parse(c.AllowedOrigin)
		if err != nil || u.Scheme == "" || u.Host == "" || (u.Path != "" && u.Path != "/") {
			errs = append(errs, errors.New(`chat: AllowedOrigin must be "*" or an origin such as https://www.example.com`))
		}
	}
	if c.WebSocketURL != "" {
		if !strings.HasPrefix(c.WebSocketURL, "wss://") && !strings.HasPrefix(c.WebSocketURL, "ws://127.0.0.1:") {
			errs = append(errs, errors.New("chat: WebSocketURL must start with wss:// (or ws://127.0.0.1:PORT): chatjs refuses any other"))
		} else if _, err := url.Parse(c.WebSocketURL); err != nil {
			errs = append(errs, errors.New("chat: WebSocketURL is not a URL"))
		}
	}
	if c.ConnectionTokenTTL > 0 && c.ConnectionTokenTTL < 2*time.Minute {
		errs = append(errs, errors.New("chat: ConnectionTokenTTL must be at least 2 minutes: chatjs refreshes the token a minute before it expires"))
	}
	if c.WebSocketURLTTL < 0 || c.ConnectionTokenTTL < 0 || c.WebSocketIdleTimeout < 0 || c.MaxContentBytes < 0 || c.RateBurst < 0 {
		errs = append(errs, errors.New("chat: durations and sizes must not be negative (except InactivityTimeout, MaxDuration and RateLimit, where negative disables)"))
	}
	return errors.Join(errs...)
}
