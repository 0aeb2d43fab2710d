package core

import (
	"strings"
)

// RoutingProfile says which queues an agent serves, on which channels, in
// what order, and how many contacts of each channel they take at once.
type RoutingProfile struct {
	Meta
	Name                   string         `json:"name"`
	Description            string         `json:"description,omitempty"`
	DefaultOutboundQueueID string         `json:"defaultOutboundQueueId,omitempty"`
	Queues                 []RoutingQueue `json:"queues"`
	MediaConcurrencies     []Concurrency  `json:"mediaConcurrencies"`
}

// RoutingQueue is one queue × channel entry of a routing profile. Lower
// Priority numbers are served first (1 is highest); Delay is how long a
// contact must have waited before agents of this profile are offered it.
type RoutingQueue struct {
	QueueID      string `json:"queueId"`
	Channel      string `json:"channel"`
	Priority     int    `json:"priority"`
	DelaySeconds int    `json:"delaySeconds"`
}

// Concurrency is how many contacts of a channel an agent handles at once.
type Concurrency struct {
	Channel     string `json:"channel"`
	Concurrency int    `json:"concurrency"`
}

func (p *RoutingProfile) ResourceName() string { return p.Name }

func (p *RoutingProfile) Normalize() {
	p.Name = strings.TrimSpace(p.Name)
	if p.Queues == nil {
		p.Queues = []RoutingQueue{}
	}
	if p.MediaConcurrencies == nil {
		p.MediaConcurrencies = []Concurrency{}
	}
	for i := range p.Queues {
		if p.Queues[i].Priority == 0 {
			p.Queues[i].Priority = 1
		}
	}
}

func (p *RoutingProfile) Validate() error {
	var c checker
	c.name("name", p.Name, 127)
	c.maxLen("description", p.Description, 250)
	seen := map[string]bool{}
	for i, q := range p.Queues {
		f := fieldIndex("queues", i)
		c.check(q.QueueID != "", f+".queueId", "is required")
		c.oneOf(f+".channel", q.Channel, channels...)
		c.check(q.Priority >= 1 && q.Priority <= 99, f+".priority", "must be between 1 and 99")
		c.check(q.DelaySeconds >= 0 && q.DelaySeconds <= 9999, f+".delaySeconds", "must be between 0 and 9999")
		key := q.QueueID + "/" + q.Channel
		if seen[key] {
			c.add(f, "queue %s is listed twice for channel %s", q.QueueID, q.Channel)
		}
		seen[key] = true
	}
	chans := map[string]bool{}
	for i, mc := range p.MediaConcurrencies {
		f := fieldIndex("mediaConcurrencies", i)
		c.oneOf(f+".channel", mc.Channel, channels...)
		if chans[mc.Channel] {
			c.add(f+".channel", "channel %s is listed twice", mc.Channel)
		}
		chans[mc.Channel] = true
		max := 10
		if mc.Channel == ChannelVoice {
			max = 1
		}
		c.check(mc.Concurrency >= 1 && mc.Concurrency <= max, f+".concurrency",
			"must be between 1 and %d for %s", max, mc.Channel)
	}
	for i, q := range p.Queues {
		if q.Channel != "" && !chans[q.Channel] && len(p.MediaConcurrencies) > 0 {
			c.add(fieldIndex("queues", i)+".channel", "channel %s has no entry in mediaConcurrencies", q.Channel)
		}
	}
	return c.err()
}

func (p *RoutingProfile) References() []Ref {
	refs := make([]Ref, 0, len(p.Queues)+1)
	for i, q := range p.Queues {
		refs = append(refs, Ref{Field: fieldIndex("queues", i) + ".queueId", Kind: KindQueue, ID: q.QueueID})
	}
	if p.DefaultOutboundQueueID != "" {
		refs = append(refs, Ref{Field: "defaultOutboundQueueId", Kind: KindQueue, ID: p.DefaultOutboundQueueID})
	}
	return refs
}

// ConcurrencyFor returns how many contacts of channel the profile allows at once (0 = channel not handled).
func (p *RoutingProfile) ConcurrencyFor(channel string) int {
	for _, mc := range p.MediaConcurrencies {
		if mc.Channel == channel {
			return mc.Concurrency
		}
	}
	return 0
}
