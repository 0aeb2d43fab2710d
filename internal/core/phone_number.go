package core

// PhoneNumber is an E.164 number claimed by an instance. A call to it starts FlowID.
// A number belongs to at most one instance in the whole deployment.
type PhoneNumber struct {
	Meta
	Number      string `json:"number"`
	Description string `json:"description,omitempty"`
	FlowID      string `json:"flowId,omitempty"`
}

func (n *PhoneNumber) ResourceName() string { return n.Number }

func (n *PhoneNumber) Normalize() { n.Number = NormalizeE164(n.Number) }

func (n *PhoneNumber) Validate() error {
	var c checker
	c.check(ValidE164(n.Number), "number", "must be an E.164 number such as +15550100")
	c.maxLen("description", n.Description, 250)
	return c.err()
}

func (n *PhoneNumber) References() []Ref {
	if n.FlowID == "" {
		return nil
	}
	return []Ref{{Field: "flowId", Kind: KindFlow, ID: n.FlowID}}
}
