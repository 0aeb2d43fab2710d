package chat

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"
)

// MemoryBackend is a Backend in memory, for tests, benchmarks and a
// single-process deployment that can lose chats on restart. The zero value
// is not usable: call NewMemoryBackend.
type MemoryBackend struct {
	mu           sync.RWMutex
	chats        map[string]ChatRecord
	participants map[string]ParticipantRecord
	byContact    map[string][]string // contact ID → participant IDs in join order
	creds        map[TokenHash]Credential
	items        map[string][]Item
}

var _ Backend = (*MemoryBackend)(nil)

// NewMemoryBackend returns an empty MemoryBackend.
func NewMemoryBackend() *MemoryBackend {
	return &MemoryBackend{
		chats:        map[string]ChatRecord{},
		participants: map[string]ParticipantRecord{},
		byContact:    map[string][]string{},
		creds:        map[TokenHash]Credential{},
		items:        map[string][]Item{},
	}
}

// CreateChat implements Backend.
func (m *MemoryBackend) CreateChat(_ context.Context, c ChatRecord) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.chats[c.ContactID]; ok {
		return fmt.Errorf("contact %s: %w", c.ContactID, ErrChatExists)
	}
	m.chats[c.ContactID] = c
	return nil
}

// Chat implements Backend.
func (m *MemoryBackend) Chat(_ context.Context, contactID string) (ChatRecord, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	c, ok := m.chats[contactID]
	if !ok {
		return ChatRecord{}, fmt.Errorf("chat %s: %w", contactID, ErrNotFound)
	}
	return c, nil
}

// EndChat implements Backend.
func (m *MemoryBackend) EndChat(_ context.Context, contactID, reason string, at time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.chats[contactID]
	if !ok {
		return fmt.Errorf("chat %s: %w", contactID, ErrNotFound)
	}
	if c.Ended() {
		return nil
	}
	c.EndedAt, c.EndReason = at, reason
	m.chats[contactID] = c
	return nil
}

// PutParticipant implements Backend.
func (m *MemoryBackend) PutParticipant(_ context.Context, p ParticipantRecord) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.participants[p.ParticipantID]; !ok {
		m.byContact[p.ContactID] = append(m.byContact[p.ContactID], p.ParticipantID)
	}
	m.participants[p.ParticipantID] = p
	return nil
}

// Participant implements Backend.
func (m *MemoryBackend) Participant(_ context.Context, id string) (ParticipantRecord, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	p, ok := m.participants[id]
	if !ok {
		return ParticipantRecord{}, fmt.Errorf("participant %s: %w", id, ErrNotFound)
	}
	return p, nil
}

// Participants implements Backend.
func (m *MemoryBackend) Participants(_ context.Context, contactID string) ([]ParticipantRecord, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	ids := m.byContact[contactID]
	out := make([]ParticipantRecord, 0, len(ids))
	for _, id := range ids {
		out = append(out, m.participants[id])
	}
	return out, nil
}

// PutCredential implements Backend.
func (m *MemoryBackend) PutCredential(_ context.Context, c Credential) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.creds[c.Hash] = c
	return nil
}

// Credential implements Backend.
func (m *MemoryBackend) Credential(_ context.Context, h TokenHash) (Credential, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	c, ok := m.creds[h]
	if !ok {
		return Credential{}, fmt.Errorf("credential: %w", ErrNotFound)
	}
	return c, nil
}

// DeleteExpiredCredentials implements Backend.
func (m *MemoryBackend) DeleteExpiredCredentials(_ context.Context, before time.Time) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for h, c := range m.creds {
		if c.expired(before) {
			delete(m.creds, h)
			n++
		}
	}
	return n, nil
}

// AppendItem implements Backend.
func (m *MemoryBackend) AppendItem(_ context.Context, it Item) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.items[it.ContactID] = append(m.items[it.ContactID], it)
	return nil
}

// Items implements Backend.
func (m *MemoryBackend) Items(_ context.Context, contactID string) ([]Item, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return slices.Clone(m.items[contactID]), nil
}
