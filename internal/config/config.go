// Package config is Switchboard's one typed configuration. Every setting has
// one name used three ways: the flag --name, the environment variable
// SWITCHBOARD_NAME (upper case, '-' as '_') and the key name in the YAML file
// given by --config. Precedence: flags, then environment, then the file, then
// the defaults.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"gopkg.in/yaml.v3"
)

// Config holds every setting of `switchboard serve`.
type Config struct {
	DataDir         string        `yaml:"data"`
	HTTPAddr        string        `yaml:"http"`
	DatabaseURL     string        `yaml:"database-url"`
	NATSURL         string        `yaml:"nats-url"`
	NATSPrefix      string        `yaml:"nats-prefix"`
	NATSListen      string        `yaml:"nats-listen"`
	NATSReplicas    int           `yaml:"nats-replicas"`
	LogLevel        string        `yaml:"log-level"`
	LogFormat       string        `yaml:"log-format"`
	Demo            bool          `yaml:"demo"`
	ShutdownTimeout time.Duration `yaml:"shutdown-timeout"`
	MaxBodyBytes    int64         `yaml:"max-body-bytes"`
	// WidgetChatRate is how many chats a minute one client address may
	// start through one chat widget (0: no limit), in bursts of up to
	// WidgetChatBurst.
	WidgetChatRate  float64 `yaml:"widget-chat-rate"`
	WidgetChatBurst int     `yaml:"widget-chat-burst"`

	// Voice.
	SIPAddr      string        `yaml:"sip"`
	SIPTLSAddr   string        `yaml:"sip-tls"`
	SIPCert      string        `yaml:"sip-cert"`
	SIPKey       string        `yaml:"sip-key"`
	SIPPublicIP  string        `yaml:"sip-public-ip"`
	RTPPorts     string        `yaml:"rtp-ports"`
	WebRTCPorts  string        `yaml:"webrtc-ports"`
	MediaTimeout time.Duration `yaml:"media-timeout"`
	AnswerDelay  time.Duration `yaml:"answer-delay"`
	TTSVoice     string        `yaml:"tts-voice"`
	SpeechCache  string        `yaml:"speech-cache"`
	// AdminToken is a deployment-admin API key to accept (and store on first
	// start). Environment only: secrets do not belong in flags or files.
	AdminToken string `yaml:"-"`

	// fromEnv names the settings whose value came from the environment, so
	// that a validation error can say where the bad value was set.
	fromEnv map[string]bool
}

// Default returns the embedded-everything defaults.
func Default() Config {
	return Config{
		DataDir:         "./data",
		HTTPAddr:        "127.0.0.1:8080",
		NATSPrefix:      "sb",
		NATSReplicas:    1,
		LogLevel:        "info",
		LogFormat:       "json",
		ShutdownTimeout: 30 * time.Second,
		MaxBodyBytes:    1 << 20,
		WidgetChatRate:  10,
		WidgetChatBurst: 5,
		SIPAddr:         "127.0.0.1:5060",
		RTPPorts:        "10000-20000",
		MediaTimeout:    30 * time.Second,
		TTSVoice:        "kal",
	}
}

// EnvPrefix starts every environment variable Switchboard reads.
const EnvPrefix = "SWITCHBOARD_"

// EnvName is the environment variable for a flag name.
func EnvName(flag string) string {
	return EnvPrefix + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// Bind registers the settings as flags on fs, defaulting to c's values.
func (c *Config) Bind(fs *pflag.FlagSet) {
	fs.String("config", "", "YAML configuration file (keys are the flag names)"+envNote("config"))
	fs.StringVar(&c.DataDir, "data", c.DataDir, "directory for the SQLite database, embedded NATS data, admin.token and files"+envNote("data"))
	fs.StringVar(&c.HTTPAddr, "http", c.HTTPAddr, "HTTP listen address for the API, console and metrics"+envNote("http"))
	fs.StringVar(&c.DatabaseURL, "database-url", c.DatabaseURL, "PostgreSQL URL (postgres://...); empty uses SQLite in --data"+envNote("database-url"))
	fs.StringVar(&c.NATSURL, "nats-url", c.NATSURL, "external NATS URL(s), comma-separated for a cluster; empty runs NATS embedded"+envNote("nats-url"))
	fs.StringVar(&c.NATSPrefix, "nats-prefix", c.NATSPrefix, "prefix of every NATS subject, stream and bucket, so deployments can share a cluster"+envNote("nats-prefix"))
	fs.StringVar(&c.NATSListen, "nats-listen", c.NATSListen, "address where the embedded NATS also listens for other processes; empty: in-process only"+envNote("nats-listen"))
	fs.IntVar(&c.NATSReplicas, "nats-replicas", c.NATSReplicas, "JetStream stream replicas (3 on a cluster)"+envNote("nats-replicas"))
	fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "debug, info, warn or error"+envNote("log-level"))
	fs.StringVar(&c.LogFormat, "log-format", c.LogFormat, "json or text"+envNote("log-format"))
	fs.BoolVar(&c.Demo, "demo", c.Demo, "seed the demo instance (idempotent) and print how to use it"+envNote("demo"))
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", c.ShutdownTimeout, "how long a first SIGTERM waits for work to drain"+envNote("shutdown-timeout"))
	fs.Int64Var(&c.MaxBodyBytes, "max-body-bytes", c.MaxBodyBytes, "largest JSON request body accepted"+envNote("max-body-bytes"))
	fs.Float64Var(&c.WidgetChatRate, "widget-chat-rate", c.WidgetChatRate, "chats a minute one client address may start through one chat widget (0: no limit)"+envNote("widget-chat-rate"))
	fs.IntVar(&c.WidgetChatBurst, "widget-chat-burst", c.WidgetChatBurst, "chats one client address may start at once through one chat widget before --widget-chat-rate applies"+envNote("widget-chat-burst"))
	fs.StringVar(&c.SIPAddr, "sip", c.SIPAddr, "SIP listen address (UDP and TCP) for trunks; \"off\" disables voice"+envNote("sip"))
	fs.StringVar(&c.SIPTLSAddr, "sip-tls", c.SIPTLSAddr, "SIP over TLS listen address; needs --sip-cert and --sip-key"+envNote("sip-tls"))
	fs.StringVar(&c.SIPCert, "sip-cert", c.SIPCert, "PEM certificate for --sip-tls"+envNote("sip-cert"))
	fs.StringVar(&c.SIPKey, "sip-key", c.SIPKey, "PEM private key for --sip-tls"+envNote("sip-key"))
	fs.StringVar(&c.SIPPublicIP, "sip-public-ip", c.SIPPublicIP, "IP address put in SDP and Contact; empty: the --sip address"+envNote("sip-public-ip"))
	fs.StringVar(&c.RTPPorts, "rtp-ports", c.RTPPorts, "UDP port range for RTP, MIN-MAX (two ports per call)"+envNote("rtp-ports"))
	fs.StringVar(&c.WebRTCPorts, "webrtc-ports", c.WebRTCPorts, "UDP port range for the agents' browser softphones, MIN-MAX (empty: ephemeral ports)"+envNote("webrtc-ports"))
	fs.DurationVar(&c.MediaTimeout, "media-timeout", c.MediaTimeout, "hang up a call when no RTP arrived for this long (0 disables)"+envNote("media-timeout"))
	fs.DurationVar(&c.AnswerDelay, "answer-delay", c.AnswerDelay, "let inbound calls ring (180 Ringing) this long before answering"+envNote("answer-delay"))
	fs.StringVar(&c.TTSVoice, "tts-voice", c.TTSVoice, "default text-to-speech voice (flite: kal, rms, slt, awb)"+envNote("tts-voice"))
	fs.StringVar(&c.SpeechCache, "speech-cache", c.SpeechCache, "directory of rendered prompts; empty: <data>/speech"+envNote("speech-cache"))
}

func envNote(flag string) string { return " (env " + EnvName(flag) + ")" }

// Load fills c from the file, the environment and the flags of fs (already
// parsed), in increasing precedence, then validates it.
func (c *Config) Load(fs *pflag.FlagSet, lookupEnv func(string) (string, bool)) error {
	changed := map[string]string{}
	fs.Visit(func(f *pflag.Flag) { changed[f.Name] = f.Value.String() })

	path := changed["config"]
	if path == "" {
		path, _ = lookupEnv(EnvName("config"))
	}
	if path != "" {
		raw, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("config file: %w", err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(raw))
		dec.KnownFields(true)
		if err := dec.Decode(c); err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("config file %s: %w", path, err)
		}
	}
	var errs []error
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Name == "config" {
			return
		}
		if _, ok := changed[f.Name]; ok {
			return
		}
		if v, ok := lookupEnv(EnvName(f.Name)); ok {
			if c.fromEnv == nil {
				c.fromEnv = map[string]bool{}
			}
			c.fromEnv[f.Name] = true
			if err := f.Value.Set(v); err != nil {
				errs = append(errs, fmt.Errorf("%s=%q: %w", EnvName(f.Name), v, err))
			}
		}
	})
	// Flags win over the file: set them again after decoding it.
	for name, v := range changed {
		if name == "config" {
			continue
		}
		if err := fs.Set(name, v); err != nil {
			errs = append(errs, fmt.Errorf("--%s: %w", name, err))
		}
	}
	if v, ok := lookupEnv(EnvPrefix + "ADMIN_TOKEN"); ok {
		c.AdminToken = strings.TrimSpace(v)
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	return c.Validate()
}

// Validate reports every invalid setting.
func (c *Config) Validate() error {
	var errs []error
	bad := func(name, format string, args ...any) {
		where := "--" + name
		if c.fromEnv[name] {
			where += " (set by " + EnvName(name) + ")"
		}
		errs = append(errs, fmt.Errorf("%s: "+format, append([]any{where}, args...)...))
	}
	if c.DataDir == "" {
		bad("data", "must not be empty")
	}
	if _, port, err := net.SplitHostPort(c.HTTPAddr); err != nil || port == "" {
		bad("http", "%q is not host:port", c.HTTPAddr)
	}
	if c.DatabaseURL != "" && !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") {
		bad("database-url", "must start with postgres:// (or be empty for SQLite)")
	}
	for _, u := range strings.Split(c.NATSURL, ",") {
		if u = strings.TrimSpace(u); u != "" && !strings.Contains(u, "://") {
			bad("nats-url", "%q must be a URL such as nats://127.0.0.1:4222", u)
		}
	}
	if c.NATSListen != "" {
		if _, _, err := net.SplitHostPort(c.NATSListen); err != nil {
			bad("nats-listen", "%q is not host:port", c.NATSListen)
		}
	}
	if !validPrefix(c.NATSPrefix) {
		bad("nats-prefix", "%q must be letters, digits, '-' or '_' (it starts NATS subjects and stream names)", c.NATSPrefix)
	}
	if c.NATSReplicas != 1 && c.NATSReplicas != 3 && c.NATSReplicas != 5 {
		bad("nats-replicas", "must be 1, 3 or 5")
	}
	if _, err := ParseLevel(c.LogLevel); err != nil {
		bad("log-level", "%v", err)
	}
	if c.LogFormat != "json" && c.LogFormat != "text" {
		bad("log-format", "must be json or text")
	}
	if c.ShutdownTimeout < 0 {
		bad("shutdown-timeout", "must not be negative")
	}
	if c.MaxBodyBytes < 1024 || c.MaxBodyBytes > 64<<20 {
		bad("max-body-bytes", "must be between 1024 and 67108864")
	}
	if c.WidgetChatRate < 0 || c.WidgetChatRate > 1e6 || c.WidgetChatRate != c.WidgetChatRate {
		bad("widget-chat-rate", "must be between 0 (no limit) and 1000000 chats a minute")
	}
	if c.WidgetChatBurst < 1 || c.WidgetChatBurst > 10000 {
		bad("widget-chat-burst", "must be between 1 and 10000")
	}
	if c.SIPAddr != "off" {
		if _, port, err := net.SplitHostPort(c.SIPAddr); err != nil || port == "" {
			bad("sip", "%q is not host:port (or \"off\")", c.SIPAddr)
		}
		if _, _, err := c.RTPPortRange(); err != nil {
			bad("rtp-ports", "%v", err)
		}
		if _, _, err := c.WebRTCPortRange(); err != nil {
			bad("webrtc-ports", "%v", err)
		}
	}
	if c.SIPTLSAddr != "" {
		if _, _, err := net.SplitHostPort(c.SIPTLSAddr); err != nil {
			bad("sip-tls", "%q is not host:port", c.SIPTLSAddr)
		}
		if c.SIPCert == "" || c.SIPKey == "" {
			bad("sip-tls", "needs --sip-cert and --sip-key")
		}
	}
	if c.SIPPublicIP != "" && net.ParseIP(c.SIPPublicIP) == nil {
		bad("sip-public-ip", "%q is not an IP address", c.SIPPublicIP)
	}
	if c.MediaTimeout < 0 {
		bad("media-timeout", "must not be negative")
	}
	if c.AnswerDelay < 0 || c.AnswerDelay > 30*time.Second {
		bad("answer-delay", "must be between 0 and 30s")
	}
	if c.TTSVoice == "" {
		bad("tts-voice", "must not be empty")
	}
	return errors.Join(errs...)
}

// RTPPortRange parses --rtp-ports.
func (c *Config) RTPPortRange() (lo, hi int, err error) {
	a, b, ok := strings.Cut(c.RTPPorts, "-")
	if ok {
		_, err1 := fmt.Sscanf(a, "%d", &lo)
		_, err2 := fmt.Sscanf(b, "%d", &hi)
		ok = err1 == nil && err2 == nil
	}
	if !ok || lo < 1024 || hi > 65535 || hi-lo < 3 {
		return 0, 0, fmt.Errorf("%q must be MIN-MAX within 1024-65535 with room for two calls", c.RTPPorts)
	}
	return lo, hi, nil
}

// WebRTCPortRange parses --webrtc-ports; 0, 0 when it is empty.
func (c *Config) WebRTCPortRange() (lo, hi uint16, err error) {
	if c.WebRTCPorts == "" {
		return 0, 0, nil
	}
	a, b, ok := strings.Cut(c.WebRTCPorts, "-")
	var l, h int
	if ok {
		_, err1 := fmt.Sscanf(a, "%d", &l)
		_, err2 := fmt.Sscanf(b, "%d", &h)
		ok = err1 == nil && err2 == nil
	}
	if !ok || l < 1024 || h > 65535 || h < l {
		return 0, 0, fmt.Errorf("%q must be MIN-MAX within 1024-65535", c.WebRTCPorts)
	}
	return uint16(l), uint16(h), nil
}

func validPrefix(p string) bool {
	if p == "" || len(p) > 32 {
		return false
	}
	for _, r := range p {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// ParseLevel maps a level name to slog's level.
func ParseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, fmt.Errorf("unknown log level %q", s)
	}
	return l, nil
}

// Logger builds the process logger the settings ask for.
func (c *Config) Logger(w *os.File) *slog.Logger {
	lvl, _ := ParseLevel(c.LogLevel)
	opts := &slog.HandlerOptions{Level: lvl}
	if c.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}
