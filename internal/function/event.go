package function

// EventName is the Name of every event, as Connect sends it.
const EventName = "ContactFlowEvent"

// Event is the request body sent to a function: the event Amazon Connect
// passes to a Lambda function from a flow. Field names follow Connect's
// exactly (see the "Invoke AWS Lambda functions" page of the Connect
// administrator guide), so handlers written for Connect parse it unchanged.
type Event struct {
	Details Details `json:"Details"`
	// Name is always EventName; Invoke fills it in when empty.
	Name string `json:"Name"`
}

// Details holds the contact and the action's parameters.
type Details struct {
	ContactData ContactData `json:"ContactData"`
	// Parameters are the action's LambdaInvocationAttributes, resolved.
	// Sent as {} when empty, like Connect.
	Parameters map[string]string `json:"Parameters"`
}

// ContactData describes the contact the flow runs for. The fields without
// omitempty are always present on Connect (null or "" when unknown); the
// others appear only when they have a value.
type ContactData struct {
	// Attributes are the contact's user-defined attributes ($.Attributes).
	// Sent as {} when empty, like Connect.
	Attributes map[string]string `json:"Attributes"`
	// Channel is VOICE, CHAT, TASK or EMAIL.
	Channel string `json:"Channel"`
	// ContactID is the current contact's ID.
	ContactID string `json:"ContactId"`
	// CustomerEndpoint is the customer's address (the caller's number for
	// voice); null when there is none, as for tasks.
	CustomerEndpoint *Endpoint `json:"CustomerEndpoint"`
	// CustomerID is the Customer Profiles ID, when known.
	CustomerID string `json:"CustomerId,omitempty"`
	// Description is the contact's description (tasks).
	Description string `json:"Description,omitempty"`
	// InitialContactID is the first contact of a chain of transfers.
	InitialContactID string `json:"InitialContactId"`
	// InitiationMethod is INBOUND, OUTBOUND, TRANSFER, QUEUE_TRANSFER,
	// CALLBACK, API, ...
	InitiationMethod string `json:"InitiationMethod"`
	// InstanceARN identifies the instance.
	InstanceARN string `json:"InstanceARN"`
	// LanguageCode is the contact's language (UpdateContactData), e.g. en-US.
	LanguageCode string `json:"LanguageCode,omitempty"`
	// MediaStreams is set once media streaming has started.
	MediaStreams *MediaStreams `json:"MediaStreams,omitempty"`
	// Name is the contact's name (tasks).
	Name string `json:"Name,omitempty"`
	// PreviousContactID is the contact this one was transferred from.
	PreviousContactID string `json:"PreviousContactId"`
	// Queue is the contact's working queue; null when none is set.
	Queue *Queue `json:"Queue"`
	// References are the contact's references (tasks), by name.
	References map[string]Reference `json:"References,omitempty"`
	// RelatedContactID is the contact this one was created from.
	RelatedContactID string `json:"RelatedContactId,omitempty"`
	// SystemEndpoint is the address the customer reached (the dialled
	// number for voice); null when there is none.
	SystemEndpoint *Endpoint `json:"SystemEndpoint"`
	// Tags are the contact's tags.
	Tags map[string]string `json:"Tags,omitempty"`
}

// Endpoint is an address, e.g. {"Address":"+15551234567","Type":"TELEPHONE_NUMBER"}.
type Endpoint struct {
	Address string `json:"Address"`
	// Type is TELEPHONE_NUMBER, VOIP, CONTACT_FLOW, CONNECT_PHONENUMBER_ARN
	// or EMAIL_ADDRESS.
	Type string `json:"Type"`
}

// Queue is the contact's working queue.
type Queue struct {
	ARN  string `json:"ARN"`
	Name string `json:"Name"`
	// OutboundCallerID is the queue's outbound caller ID number, if any.
	OutboundCallerID *Endpoint `json:"OutboundCallerId,omitempty"`
}

// Reference is a contact reference, e.g. {"Type":"URL","Value":"https://..."}.
type Reference struct {
	Type  string `json:"Type"`
	Value string `json:"Value"`
}

// MediaStreams describes the contact's live media streams.
type MediaStreams struct {
	Customer CustomerMedia `json:"Customer"`
}

// CustomerMedia holds the customer's streams.
type CustomerMedia struct {
	Audio AudioStream `json:"Audio"`
}

// AudioStream locates the customer audio stream. Timestamps are Unix epoch
// milliseconds and the fragment number a decimal string, as on Connect.
type AudioStream struct {
	StreamARN           string `json:"StreamARN"`
	StartTimestamp      string `json:"StartTimestamp,omitempty"`
	StopTimestamp       string `json:"StopTimestamp,omitempty"`
	StartFragmentNumber string `json:"StartFragmentNumber,omitempty"`
}
