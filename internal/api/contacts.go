package api

import (
	"context"
	"net/http"

	"github.com/switchboard-cc/switchboard/internal/core"
)

// StartChatInput is the body of POST /instances/{instanceId}/contacts/chat,
// shaped like Amazon Connect's StartChatContact.
type StartChatInput struct {
	// ContactFlowId is the flow that runs for the chat (its ID or name); it
	// must be published. Required.
	ContactFlowID      string             `json:"ContactFlowId"`
	ParticipantDetails ParticipantDetails `json:"ParticipantDetails"`
	// Attributes become the contact's user-defined attributes.
	Attributes map[string]string `json:"Attributes,omitempty"`
}

// ParticipantDetails names the customer.
type ParticipantDetails struct {
	DisplayName string `json:"DisplayName"`
}

// StartChatOutput is what the customer needs to join the chat (see
// docs/chat.md): the participant token opens /participant/connection.
type StartChatOutput struct {
	ContactID        string `json:"ContactId"`
	ParticipantID    string `json:"ParticipantId"`
	ParticipantToken string `json:"ParticipantToken"`
}

// ChatStarter starts chat contacts; the app implements it with the contact
// manager, the chat service and the flow engine.
type ChatStarter interface {
	StartChat(ctx context.Context, instanceID string, in StartChatInput) (StartChatOutput, error)
}

// ChatStarterFunc adapts a function to ChatStarter.
type ChatStarterFunc func(ctx context.Context, instanceID string, in StartChatInput) (StartChatOutput, error)

// StartChat calls f.
func (f ChatStarterFunc) StartChat(ctx context.Context, instanceID string, in StartChatInput) (StartChatOutput, error) {
	return f(ctx, instanceID, in)
}

func (s *Server) contactRoutes() []route {
	return append([]route{{method: "POST", path: "/api/v1/instances/{instanceId}/contacts/chat", op: "startChatContact", tag: "Contacts",
		summary: "Start a chat contact: runs the published flow and returns the customer's participant token",
		auth:    authInstance, in: typeOf[StartChatInput](), out: typeOf[StartChatOutput](), status: 201, handler: s.startChatContact}}, s.contactReadRoutes()...)
}

func (s *Server) startChatContact(w http.ResponseWriter, r *http.Request) {
	inst := r.PathValue("instanceId")
	var in StartChatInput
	if err := s.decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	if in.ContactFlowID == "" {
		s.writeError(w, r, core.Invalid("ContactFlowId", "is required"))
		return
	}
	if s.chats == nil {
		s.writeError(w, r, errStatus(http.StatusServiceUnavailable, "unavailable", "this server does not start chats"))
		return
	}
	if _, err := s.st.GetInstance(r.Context(), inst); err != nil {
		s.writeError(w, r, err)
		return
	}
	out, err := s.chats.StartChat(r.Context(), inst, in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, out)
}
