package routing

import "errors"

// Errors returned by the router. Commands wrap them with the IDs involved;
// test with errors.Is.
var (
	// ErrInvalid: a queue, profile, agent, contact or snapshot is malformed
	// (a missing ID, an unknown channel, a negative limit, ...).
	ErrInvalid = errors.New("routing: invalid")
	// ErrUnknownQueue: no queue with that ID.
	ErrUnknownQueue = errors.New("routing: unknown queue")
	// ErrUnknownProfile: no routing profile with that ID.
	ErrUnknownProfile = errors.New("routing: unknown routing profile")
	// ErrUnknownAgent: no agent with that ID.
	ErrUnknownAgent = errors.New("routing: unknown agent")
	// ErrUnknownContact: the router holds no contact with that ID.
	ErrUnknownContact = errors.New("routing: unknown contact")
	// ErrUnknownStatus: the status is neither Offline, Available nor one of
	// the instance's custom statuses.
	ErrUnknownStatus = errors.New("routing: unknown agent status")
	// ErrDuplicateContact: a contact with that ID is already in the router.
	ErrDuplicateContact = errors.New("routing: contact already routed")
	// ErrQueueAtCapacity: the queue holds MaxContacts contacts already.
	ErrQueueAtCapacity = errors.New("routing: queue at capacity")
	// ErrQueueDisabled: the queue takes no new contacts.
	ErrQueueDisabled = errors.New("routing: queue disabled")
	// ErrQueueNotEmpty: a queue with contacts in it cannot be removed.
	ErrQueueNotEmpty = errors.New("routing: queue not empty")
	// ErrProfileInUse: a profile assigned to agents cannot be removed.
	ErrProfileInUse = errors.New("routing: routing profile in use")
	// ErrAgentBusy: an agent holding contacts (connected, in after-contact
	// work, or waiting in its personal queue) cannot be removed.
	ErrAgentBusy = errors.New("routing: agent has contacts")
	// ErrChannelNotHandled: the agent's profile does not handle the
	// contact's channel (a transfer to that agent could never connect).
	ErrChannelNotHandled = errors.New("routing: channel not handled by agent")
	// ErrNoOffer: the contact is not offered to that agent (never was,
	// already accepted, or the offer timed out or was withdrawn).
	ErrNoOffer = errors.New("routing: contact not offered to agent")
	// ErrNotConnected: the contact is not connected to an agent.
	ErrNotConnected = errors.New("routing: contact not connected")
	// ErrNoAfterContactWork: the agent has no after-contact work for that
	// contact.
	ErrNoAfterContactWork = errors.New("routing: no after-contact work")
	// ErrNotQueued: the contact is connected to an agent, so its routing
	// behaviour cannot change.
	ErrNotQueued = errors.New("routing: contact not in a queue")
	// ErrStopped: the router's Run has returned.
	ErrStopped = errors.New("routing: router stopped")
	// ErrAlreadyRunning: Run was called twice.
	ErrAlreadyRunning = errors.New("routing: router already running")

	// ErrLeaseLost is the cause of the context given to the lease holder's
	// function when the lease was taken over or could not be renewed in time.
	ErrLeaseLost = errors.New("routing: lease lost")
)
