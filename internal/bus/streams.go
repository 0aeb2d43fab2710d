package bus

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/nats-io/nats.go/jetstream"
)

const (
	day = 24 * time.Hour
	// duplicateWindow is how long JetStream remembers event IDs.
	duplicateWindow = 2 * time.Minute
)

// Stream identifies one of the bus's JetStream streams. Use the exported
// values ContactEvents, AgentEvents and ContactRecords.
type Stream struct {
	name   string // stream name without the prefix, e.g. CONTACT_EVENTS
	token  string // subject token after the prefix, e.g. contact
	maxAge time.Duration
	desc   string
}

// The event streams. Subjects are <prefix>.<token>.<instanceID>.<eventType>.
var (
	// ContactEvents carries contact lifecycle events (sb.contact.<instanceID>.<eventType>), kept 7 days.
	ContactEvents = Stream{name: "CONTACT_EVENTS", token: "contact", maxAge: 7 * day, desc: "Switchboard contact lifecycle events"}
	// AgentEvents carries agent state events (sb.agent.<instanceID>.<eventType>), kept 7 days.
	AgentEvents = Stream{name: "AGENT_EVENTS", token: "agent", maxAge: 7 * day, desc: "Switchboard agent events"}
	// ContactRecords carries finished contact records (sb.record.<instanceID>.<eventType>), kept 30 days.
	ContactRecords = Stream{name: "CONTACT_RECORDS", token: "record", maxAge: 30 * day, desc: "Switchboard contact records"}
)

// Streams lists every stream Open creates.
func Streams() []Stream { return []Stream{ContactEvents, AgentEvents, ContactRecords} }

// String is the unprefixed stream name, e.g. "CONTACT_EVENTS".
func (s Stream) String() string { return s.name }

// MaxAge is how long the stream keeps events.
func (s Stream) MaxAge() time.Duration { return s.maxAge }

// StreamName is the prefixed JetStream stream name, e.g. "SB_CONTACT_EVENTS".
func (b *Bus) StreamName(s Stream) string { return strings.ToUpper(b.cfg.Prefix) + "_" + s.name }

// SubjectFilter is the wildcard subject covering the whole stream, e.g. "sb.contact.>".
func (b *Bus) SubjectFilter(s Stream) string { return b.cfg.Prefix + "." + s.token + ".>" }

// Subject is the subject an event of the given instance and type is
// published on, e.g. "sb.contact.<instanceID>.<eventType>".
func (b *Bus) Subject(s Stream, instanceID, eventType string) (string, error) {
	if err := validateStream(s); err != nil {
		return "", err
	}
	if err := validateToken("instance ID", instanceID); err != nil {
		return "", err
	}
	if err := validateToken("event type", eventType); err != nil {
		return "", err
	}
	return b.cfg.Prefix + "." + s.token + "." + instanceID + "." + eventType, nil
}

// ensureStream creates the stream, or updates it when it exists. It refuses
// to touch an existing stream bound to other subjects (e.g. two prefixes
// differing only in case).
func (b *Bus) ensureStream(ctx context.Context, s Stream) error {
	name := b.StreamName(s)
	cfg := jetstream.StreamConfig{
		Name:        name,
		Description: s.desc,
		Subjects:    []string{b.SubjectFilter(s)},
		Retention:   jetstream.LimitsPolicy,
		Storage:     jetstream.FileStorage,
		Replicas:    b.replicas,
		MaxAge:      s.maxAge,
		Duplicates:  duplicateWindow,
		Discard:     jetstream.DiscardOld,
	}
	return retry(ctx, "ensure stream "+name, func(ctx context.Context) error {
		st, err := b.js.Stream(ctx, name)
		if errors.Is(err, jetstream.ErrStreamNotFound) {
			_, err = b.js.CreateStream(ctx, cfg)
			return err
		}
		if err != nil {
			return err
		}
		have := st.CachedInfo().Config
		if !slices.Equal(have.Subjects, cfg.Subjects) {
			return permanent(fmt.Errorf("stream exists with subjects %v, want %v (prefix collision?)", have.Subjects, cfg.Subjects))
		}
		if have.MaxAge == cfg.MaxAge && have.Replicas == cfg.Replicas && have.Duplicates == cfg.Duplicates &&
			have.Storage == cfg.Storage && have.Retention == cfg.Retention && have.Description == cfg.Description {
			return nil
		}
		_, err = b.js.UpdateStream(ctx, cfg)
		return err
	})
}

// KeyValue creates (or opens, when it exists) the JetStream key-value bucket
// "<PREFIX>_<bucket>". ttl is the key expiry; 0 means keys never expire.
func (b *Bus) KeyValue(ctx context.Context, bucket string, ttl time.Duration) (jetstream.KeyValue, error) {
	if bucket == "" || !isName(bucket) {
		return nil, fmt.Errorf("bus: invalid KV bucket %q: use letters, digits, '-' and '_'", bucket)
	}
	if ttl < 0 {
		return nil, fmt.Errorf("bus: invalid KV bucket %q TTL %s", bucket, ttl)
	}
	name := strings.ToUpper(b.cfg.Prefix) + "_" + bucket
	var kv jetstream.KeyValue
	err := retry(ctx, "key-value bucket "+name, func(ctx context.Context) error {
		var err error
		kv, err = b.js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
			Bucket:   name,
			TTL:      ttl,
			Storage:  jetstream.FileStorage,
			Replicas: b.replicas,
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	return kv, nil
}

func validateStream(s Stream) error {
	if s.name == "" || s.token == "" {
		return errors.New("bus: invalid stream: use bus.ContactEvents, bus.AgentEvents or bus.ContactRecords")
	}
	return nil
}

// validatePrefix accepts letters, digits, '-' and '_': the prefix ends up in
// subjects, stream names and KV bucket names.
func validatePrefix(p string) error {
	if p == "" {
		return errors.New("bus: prefix is required")
	}
	if !isName(p) {
		return fmt.Errorf("bus: invalid prefix %q: use letters, digits, '-' and '_' (no '.', '*', '>' or spaces)", p)
	}
	return nil
}

// validateToken checks one subject token (instance ID, event type).
func validateToken(what, tok string) error {
	if tok == "" {
		return fmt.Errorf("bus: %s is empty", what)
	}
	if strings.ContainsAny(tok, ".*>") {
		return fmt.Errorf("bus: invalid %s %q: must not contain '.', '*' or '>'", what, tok)
	}
	for _, r := range tok {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return fmt.Errorf("bus: invalid %s %q: must not contain spaces or control characters", what, tok)
		}
	}
	return nil
}

func isName(s string) bool {
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
		default:
			return false
		}
	}
	return true
}
