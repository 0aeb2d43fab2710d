package contact

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/switchboard-cc/switchboard/internal/store"
)

// Get returns a contact of the instance, or an error matching ErrNotFound.
func (m *Manager) Get(ctx context.Context, instanceID, id string) (*Contact, error) {
	row, err := m.st.GetContact(ctx, instanceID, id)
	if err != nil {
		return nil, err
	}
	return fromRow(row)
}

// Query selects contacts of one instance. Empty fields match every contact.
type Query struct {
	InstanceID string
	States     []State
	QueueID    string // the contact's current or last queue
	AgentID    string // the agent the contact is or was last offered or connected to
	Channel    Channel
	// Token (a NextToken) and Max (1 to 1000, 100 when 0) page through the
	// result in creation order.
	Token string
	Max   int
}

// List returns one page of the contacts q selects, and the token of the
// next page ("" on the last).
func (m *Manager) List(ctx context.Context, q Query) ([]*Contact, string, error) {
	sq := store.ContactQuery{InstanceID: q.InstanceID, QueueID: q.QueueID, AgentID: q.AgentID, Channel: string(q.Channel),
		Token: q.Token, Max: q.Max}
	for _, s := range q.States {
		sq.States = append(sq.States, string(s))
	}
	rows, next, err := m.st.ListContacts(ctx, sq)
	if err != nil {
		return nil, "", err
	}
	out := make([]*Contact, 0, len(rows))
	for _, r := range rows {
		c, err := fromRow(r)
		if err != nil {
			return nil, "", err
		}
		out = append(out, c)
	}
	return out, next, nil
}

// all pages through every contact q selects.
func (m *Manager) all(ctx context.Context, q Query) ([]*Contact, error) {
	var out []*Contact
	q.Max = store.MaxPageSize
	for {
		page, next, err := m.List(ctx, q)
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
		if next == "" {
			return out, nil
		}
		q.Token = next
	}
}

// QueuedContacts returns the instance's contacts waiting for an agent
// (QUEUED, and OFFERED: offered but not accepted yet), for the router to
// rebuild its queues after a restart or when it takes over the instance.
// They come in the order they are to be served within a queue: priority
// (1 first), then effective enqueue time (the queue's enqueue timestamp
// less the time adjustment), then ID.
func (m *Manager) QueuedContacts(ctx context.Context, instanceID string) ([]*Contact, error) {
	cs, err := m.all(ctx, Query{InstanceID: instanceID, States: []State{Queued, Offered}})
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(cs, func(a, b *Contact) int {
		if c := cmp.Compare(a.Queue.Priority, b.Queue.Priority); c != 0 {
			return c
		}
		if c := a.Queue.EffectiveEnqueueTime().Compare(b.Queue.EffectiveEnqueueTime()); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return cs, nil
}

// AgentContacts returns the instance's contacts that occupy an agent
// (OFFERED, CONNECTED, AFTER_CONTACT_WORK), for the router to rebuild its
// agents' occupancy. agentID "" means every agent.
func (m *Manager) AgentContacts(ctx context.Context, instanceID, agentID string) ([]*Contact, error) {
	return m.all(ctx, Query{InstanceID: instanceID, AgentID: agentID, States: []State{Offered, Connected, AfterContactWork}})
}

// EffectiveEnqueueTime is the enqueue time routing compares contacts of
// equal priority by: the enqueue timestamp moved back by the time adjustment.
func (q *QueueInfo) EffectiveEnqueueTime() time.Time {
	return q.EnqueueTimestamp.Add(-time.Duration(q.TimeAdjustmentSeconds) * time.Second)
}

// GetRecord returns the record of an ended contact, or an error matching
// ErrNotFound.
func (m *Manager) GetRecord(ctx context.Context, instanceID, contactID string) (*Record, error) {
	row, err := m.st.GetContactRecord(ctx, instanceID, contactID)
	if err != nil {
		return nil, err
	}
	return decodeRecord(row)
}

// RecordQuery selects contact records of one instance. Empty fields match
// every record.
type RecordQuery struct {
	InstanceID string
	// InitiatedFrom (inclusive) and InitiatedTo (exclusive) bound the
	// contacts' initiation time.
	InitiatedFrom time.Time
	InitiatedTo   time.Time
	Channel       Channel
	QueueID       string
	AgentID       string
	Token         string
	Max           int
}

// ListRecords returns one page of the records q selects, in contact
// creation order, and the token of the next page ("" on the last).
func (m *Manager) ListRecords(ctx context.Context, q RecordQuery) ([]*Record, string, error) {
	rows, next, err := m.st.ListContactRecords(ctx, store.RecordQuery{InstanceID: q.InstanceID,
		InitiatedFrom: q.InitiatedFrom, InitiatedTo: q.InitiatedTo, Channel: string(q.Channel), QueueID: q.QueueID,
		AgentID: q.AgentID, Token: q.Token, Max: q.Max})
	if err != nil {
		return nil, "", err
	}
	out := make([]*Record, 0, len(rows))
	for _, r := range rows {
		rec, err := decodeRecord(r)
		if err != nil {
			return nil, "", err
		}
		out = append(out, rec)
	}
	return out, next, nil
}

func decodeRecord(row store.ContactRecordRow) (*Record, error) {
	var r Record
	if err := json.Unmarshal(row.Body, &r); err != nil {
		return nil, fmt.Errorf("decode record of contact %s: %w", row.ContactID, err)
	}
	return &r, nil
}
