package contact

import "slices"

// transitions lists, for each state, the states a contact may move to. Every
// change of state goes through allowed, so this table is the lifecycle.
var transitions = map[State][]State{
	Initiated:        {InFlow, Queued, Connected, Ended},  // Connected: an agent's outbound call
	InFlow:           {InFlow, Queued, Ended},             // InFlow: the flow transferred to another flow
	Queued:           {Queued, Offered, Connected, Ended}, // Queued: moved to another queue; Connected: auto-accept
	Offered:          {Queued, Connected, Ended},          // Queued: the agent missed or rejected the offer
	Connected:        {AfterContactWork, Ended},
	AfterContactWork: {Ended},
	Ended:            nil,
}

// allowed reports whether a contact may go from one state to another.
func allowed(from, to State) bool { return slices.Contains(transitions[from], to) }

// States lists every state in lifecycle order.
func States() []State {
	return []State{Initiated, InFlow, Queued, Offered, Connected, AfterContactWork, Ended}
}

// CanTransition reports whether the lifecycle allows going from one state
// to another.
func CanTransition(from, to State) bool { return allowed(from, to) }

// Active reports whether the contact is not ended.
func (s State) Active() bool { return s != Ended && s != "" }

var (
	validChannels = []Channel{Voice, Chat, Task}
	validMethods  = []InitiationMethod{Inbound, Outbound, Transfer, Callback, API, QueueTransfer}
	validReasons  = []DisconnectReason{CustomerDisconnect, AgentDisconnect, ThirdPartyDisconnect, TelecomProblem, ContactFlowDisconnect, Expired, DisconnectedByAPI, OtherDisconnect}
)
