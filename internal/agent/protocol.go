package agent

import (
	"errors"
	"time"

	"github.com/switchboard-cc/switchboard/internal/contact"
	"github.com/switchboard-cc/switchboard/internal/routing"
)

// Version is the protocol version every message carries in "v".
const Version = 1

// Client → server message types.
const (
	TypeHello       = "hello"
	TypeResume      = "resume"
	TypeSetState    = "setState"
	TypeAccept      = "accept"
	TypeReject      = "reject"
	TypeEndContact  = "endContact"
	TypeCompleteACW = "completeAcw"
	TypeSendMessage = "sendMessage"
	TypeTyping      = "typing"
	TypeTransfer    = "transfer"
	TypeHeartbeat   = "heartbeat"
	// TypeRead and TypeDelivered post the agent's read or delivered receipt
	// for another participant's chat message.
	TypeRead      = "read"
	TypeDelivered = "delivered"
	// Voice: the softphone's WebRTC signalling and the call controls.
	TypeRTCOffer     = "rtcOffer"
	TypeRTCCandidate = "rtcCandidate"
	TypeHold         = "hold"
	TypeUnhold       = "unhold"
	TypeMute         = "mute"
	TypeUnmute       = "unmute"
	TypeSendDigits   = "sendDigits"
	TypeDial         = "dial"
	// Consultation (warm transfer) and conference of a call.
	TypeConsult       = "consult"
	TypeConference    = "conference"
	TypeCancelConsult = "cancelConsult"
	// TypeListQuickConnects lists the transfer and consultation targets
	// (ack: QuickConnects).
	TypeListQuickConnects = "listQuickConnects"
	// TypeGetTranscript returns the messages of a chat contact the agent
	// is connected to or wrapping up (ack: Messages).
	TypeGetTranscript = "getTranscript"
)

// Server → client message types. Replies (ack, error) carry "re", the
// request's id; events carry "seq".
const (
	TypeAck              = "ack"
	TypeError            = "error"
	TypeWelcome          = "welcome"
	TypeState            = "state"
	TypeOffer            = "offer"
	TypeOfferWithdrawn   = "offerWithdrawn"
	TypeMissed           = "missed"
	TypeContactConnected = "contactConnected"
	TypeContactError     = "contactError"
	TypeContactEnded     = "contactEnded"
	TypeACWStarted       = "acwStarted"
	TypeACWEnded         = "acwEnded"
	TypeMessage          = "message"
	// TypeReceipt: another participant received or read a chat message.
	TypeReceipt = "receipt"
	// TypeContactHold: the customer of a voice contact went on or off hold
	// (OnHold), whoever did it (the agent, or a transfer's consultation).
	TypeContactHold = "contactHold"
	// TypeConsultFailed: the consulted phone number did not answer; the
	// caller stays on hold (NextContactID is the consultation's contact).
	TypeConsultFailed = "consultFailed"
	// TypeTyping is also sent by the server: another participant is typing.
)

// Error codes (Message.Code of an error reply).
const (
	CodeBadRequest         = "bad_request"         // not JSON, or a field has the wrong type
	CodeUnsupportedVersion = "unsupported_version" // "v" is not 1
	CodeUnknownType        = "unknown_type"        // no such message type
	CodeTooLarge           = "too_large"           // the frame exceeds the message size limit
	CodeUnauthenticated    = "unauthenticated"     // no hello yet, or the token is invalid or expired
	CodeInvalid            = "invalid"             // a required field is missing or malformed
	CodeInvalidStatus      = "invalid_status"      // setState with a status the instance does not have
	CodeNotYourContact     = "not_your_contact"    // the contact is not (or no longer) held by this agent
	CodeNoOffer            = "no_offer"            // accept/reject of a contact that is not offered to the agent
	CodeNotConnected       = "not_connected"       // endContact/sendMessage/typing/read/delivered/transfer of a contact not connected; getTranscript of an offer
	CodeNoACW              = "no_acw"              // completeAcw of a contact not in after-contact work
	CodeNotChat            = "not_chat"            // sendMessage/typing/read/delivered/getTranscript on a contact that is not a chat
	CodeUnknownTarget      = "unknown_target"      // transfer to a queue or agent that does not exist
	CodeTargetUnavailable  = "target_unavailable"  // transfer target full, disabled, or not handling the channel
	CodeChatFailed         = "chat_failed"         // the chat refused the message (ended, too long, ...) or its transcript could not be read
	CodeUnavailable        = "unavailable"         // the router is not running here (restarting, lease moved)
	CodeSessionReplaced    = "session_replaced"    // the same agent connected again elsewhere; this connection closes
	CodeNotVoice           = "not_voice"           // hold/unhold/mute/unmute/sendDigits on a contact that is not a call
	CodeNoVoice            = "no_voice"            // voice is not served here (no SIP listener), or no trunk to dial through
	CodeRTCFailed          = "rtc_failed"          // the WebRTC offer or candidate could not be used
	CodeInternal           = "internal"            // anything else; see the server log
)

// request is a client message. Fields not used by a type are ignored;
// unknown fields are ignored too, for forward compatibility.
type request struct {
	V           int     `json:"v"`
	Type        string  `json:"type"`
	ID          string  `json:"id,omitempty"`
	Token       string  `json:"token,omitempty"`
	LastSeq     *uint64 `json:"lastSeq,omitempty"`
	Status      string  `json:"status,omitempty"`
	ContactID   string  `json:"contactId,omitempty"`
	Content     string  `json:"content,omitempty"`
	ContentType string  `json:"contentType,omitempty"`
	QueueID     string  `json:"queueId,omitempty"`
	AgentID     string  `json:"agentId,omitempty"`
	// QuickConnectID and FlowID are the other transfer targets.
	QuickConnectID string `json:"quickConnectId,omitempty"`
	FlowID         string `json:"flowId,omitempty"`
	// MessageID is the chat message a read or delivered receipt is for.
	MessageID string `json:"messageId,omitempty"`
	// PhoneNumber is a transfer's or a dial's external number (E.164).
	PhoneNumber string `json:"phoneNumber,omitempty"`
	// Digits are sendDigits' DTMF digits (0-9, *, #, A-D; ',' pauses).
	Digits string `json:"digits,omitempty"`
	// SDP is rtcOffer's offer.
	SDP string `json:"sdp,omitempty"`
	// Notes are completeAcw's disposition notes (the contact's description).
	Notes string `json:"notes,omitempty"`
	// Candidate is rtcCandidate's trickled ICE candidate.
	Candidate *ICECandidate `json:"candidate,omitempty"`
}

// ICECandidate is a trickled ICE candidate, as RTCIceCandidateInit.
type ICECandidate struct {
	Candidate     string  `json:"candidate"`
	SDPMid        *string `json:"sdpMid,omitempty"`
	SDPMLineIndex *uint16 `json:"sdpMLineIndex,omitempty"`
}

// Message is a server message. Only the fields of its type are set.
type Message struct {
	V    int    `json:"v"`
	Type string `json:"type"`
	// Seq numbers events per agent from 1; replies have none.
	Seq uint64 `json:"seq,omitempty"`
	// Re is the id of the request an ack or error answers.
	Re   string    `json:"re,omitempty"`
	Time time.Time `json:"time,omitzero"`

	// error
	Code  string `json:"code,omitempty"`
	Error string `json:"error,omitempty"`

	// welcome
	Agent    *AgentInfo    `json:"agent,omitempty"`
	State    *State        `json:"state,omitempty"`
	Contacts []ContactView `json:"contacts,omitempty"`
	Profile  *ProfileInfo  `json:"profile,omitempty"`
	Resumed  *bool         `json:"resumed,omitempty"`
	LastSeq  uint64        `json:"lastSeq,omitempty"`
	// Statuses are those the agent can choose (always set in welcome).
	Statuses []StatusInfo `json:"statuses,omitzero"`

	// ack of listQuickConnects (set, possibly empty)
	QuickConnects []QuickConnectInfo `json:"quickConnects,omitzero"`
	// ack of getTranscript: the chat's messages, oldest first (set,
	// possibly empty)
	Messages []ChatMessage `json:"messages,omitzero"`

	// state
	Status string              `json:"status,omitempty"`
	System routing.SystemState `json:"system,omitempty"`

	// contact events
	ContactID     string            `json:"contactId,omitempty"`
	Channel       string            `json:"channel,omitempty"`
	QueueID       string            `json:"queueId,omitempty"`
	PersonalQueue bool              `json:"personalQueue,omitempty"`
	AutoAccepted  bool              `json:"autoAccepted,omitempty"`
	ExpiresAt     time.Time         `json:"expiresAt,omitzero"`
	Attributes    map[string]string `json:"attributes,omitempty"`
	Reason        string            `json:"reason,omitempty"`

	// message, typing (chat)
	ChatMessage *ChatMessage `json:"message,omitempty"`
	Participant string       `json:"participantRole,omitempty"`

	// ack of sendMessage; receipt
	MessageID string `json:"messageId,omitempty"`
	// receipt: when the participant (Participant, its role) received or
	// read the message, in the chat's time format
	DeliveredAt string `json:"deliveredAt,omitempty"`
	ReadAt      string `json:"readAt,omitempty"`
	// NextContactID is, in a transfer's ack, the new contact the customer
	// continues on (Connect models a transfer as a new, related contact).
	NextContactID string `json:"nextContactId,omitempty"`
	// SDP is, in rtcOffer's ack, the answer (with all candidates).
	SDP string `json:"sdp,omitempty"`
	// OnHold is contactHold's new state.
	OnHold *bool `json:"onHold,omitempty"`
}

// AgentInfo identifies the agent in welcome.
type AgentInfo struct {
	ID          string `json:"id"`
	Username    string `json:"username"`
	DisplayName string `json:"displayName"`
	InstanceID  string `json:"instanceId"`
}

// State is an agent's routing state.
type State struct {
	Status string              `json:"status"`
	System routing.SystemState `json:"system,omitempty"`
	Since  time.Time           `json:"since,omitzero"`
}

// ContactView is a contact the agent holds (welcome).
type ContactView struct {
	ContactID     string            `json:"contactId"`
	Channel       string            `json:"channel"`
	QueueID       string            `json:"queueId,omitempty"`
	PersonalQueue bool              `json:"personalQueue,omitempty"`
	State         routing.SlotState `json:"state"`
	Since         time.Time         `json:"since"`
	ExpiresAt     time.Time         `json:"expiresAt,omitzero"`
}

// ProfileInfo is the agent's routing settings (welcome).
type ProfileInfo struct {
	RoutingProfileID  string `json:"routingProfileId,omitempty"`
	AutoAccept        bool   `json:"autoAccept,omitempty"`
	ACWTimeoutSeconds int64  `json:"acwTimeoutSeconds,omitempty"`
}

// ChatMessage is a chat item relayed to the agent.
type ChatMessage struct {
	ID              string `json:"id"`
	ParticipantRole string `json:"participantRole"`
	DisplayName     string `json:"displayName,omitempty"`
	ContentType     string `json:"contentType"`
	Content         string `json:"content"`
	Time            string `json:"time"`
	// Own marks, in getTranscript's messages, those this agent posted on
	// this contact (message events never carry the agent's own).
	Own bool `json:"own,omitempty"`
}

// codeOf maps an error of the router (or of this package) to an error code.
func codeOf(err error) string {
	var ce *codeError
	switch {
	case errors.As(err, &ce):
		return ce.code
	case errors.Is(err, routing.ErrUnknownStatus):
		return CodeInvalidStatus
	case errors.Is(err, routing.ErrNoOffer):
		return CodeNoOffer
	case errors.Is(err, routing.ErrNotConnected):
		return CodeNotConnected
	case errors.Is(err, routing.ErrNoAfterContactWork):
		return CodeNoACW
	case errors.Is(err, routing.ErrUnknownQueue), errors.Is(err, routing.ErrUnknownAgent), errors.Is(err, ErrUnknownTarget):
		return CodeUnknownTarget
	case errors.Is(err, routing.ErrQueueAtCapacity), errors.Is(err, routing.ErrQueueDisabled), errors.Is(err, routing.ErrChannelNotHandled),
		errors.Is(err, ErrTargetUnavailable):
		return CodeTargetUnavailable
	case errors.Is(err, routing.ErrInvalid):
		return CodeInvalid
	case errors.Is(err, routing.ErrStopped):
		return CodeUnavailable
	case errors.Is(err, ErrNoVoice):
		return CodeNoVoice
	case errors.Is(err, ErrRTC):
		return CodeRTCFailed
	case errors.Is(err, contact.ErrInvalidTransition):
		return CodeNotConnected
	}
	return CodeInternal
}

// Errors a Transferer returns for the unknown_target and
// target_unavailable codes (wrapped, with a message safe to show).
var (
	ErrUnknownTarget     = errors.New("unknown transfer target")
	ErrTargetUnavailable = errors.New("transfer target unavailable")
)

// codeError is an error with its protocol code and a message safe to show.
type codeError struct {
	code, msg string
}

func (e *codeError) Error() string { return e.msg }

func fail(code, msg string) error { return &codeError{code: code, msg: msg} }
