package api

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard-cc/switchboard/internal/chat"
	"github.com/switchboard-cc/switchboard/internal/contact"
	"github.com/switchboard-cc/switchboard/internal/core"
	"github.com/switchboard-cc/switchboard/internal/store"
)

// ContactService reads contacts and their records and updates their
// attributes; *contact.Manager implements it. See docs/contacts-api.md.
type ContactService interface {
	Get(ctx context.Context, instanceID, id string) (*contact.Contact, error)
	List(ctx context.Context, q contact.Query) ([]*contact.Contact, string, error)
	GetRecord(ctx context.Context, instanceID, contactID string) (*contact.Record, error)
	ListRecords(ctx context.Context, q contact.RecordQuery) ([]*contact.Record, string, error)
	UpdateData(ctx context.Context, instanceID, id string, u contact.DataUpdate) (*contact.Contact, error)
}

var _ ContactService = (*contact.Manager)(nil)

// ChatTranscripts reads the persisted chats; *store.ChatBackend implements it.
type ChatTranscripts interface {
	Chat(ctx context.Context, contactID string) (chat.ChatRecord, error)
	Items(ctx context.Context, contactID string) ([]chat.Item, error)
}

var _ ChatTranscripts = (*store.ChatBackend)(nil)

// ContactRecord is a contact record (CTR): the contact as it ended, with the
// time the record was written.
type ContactRecord contact.Record

// ContactAttributes is the body of GET and POST .../contacts/{contactId}/attributes,
// shaped like Amazon Connect's GetContactAttributes and UpdateContactAttributes.
type ContactAttributes struct {
	// Attributes are the contact's user-defined attributes. On update they
	// are merged into the contact's: keys not sent are kept, an empty value
	// is stored as an empty string. Required on update.
	Attributes map[string]string `json:"Attributes"`
}

// TranscriptItem is one item of a chat transcript, as the Participant
// Service's GetTranscript returns it.
type TranscriptItem chat.Item

// ContactTranscript is one page of a contact's chat transcript, shaped like
// the Participant Service's GetTranscript answer.
type ContactTranscript struct {
	InitialContactID string           `json:"InitialContactId"`
	ContactID        string           `json:"ContactId"`
	Transcript       []TranscriptItem `json:"Transcript"`
	// NextToken, when present, is the nextToken of the next page.
	NextToken string `json:"NextToken,omitempty"`
}

var (
	contactPageParams = []param{
		{"maxResults", "integer", "page size, 1 to 1000 (default 100)"},
		{"nextToken", "string", "the nextToken of the previous page"},
	}
	contactFilterParams = []param{
		{"state", "string", "only contacts in these states, comma-separated: INITIATED, IN_FLOW, QUEUED, OFFERED, CONNECTED, AFTER_CONTACT_WORK, ENDED"},
		{"channel", "string", "only contacts of this channel: VOICE, CHAT or TASK"},
		{"queueId", "string", "only contacts in this queue, or whose last queue it was"},
		{"agentId", "string", "only contacts offered or connected to this user (agent), or last"},
	}
	recordFilterParams = []param{
		{"initiatedFrom", "string", "only contacts initiated at or after this RFC 3339 time"},
		{"initiatedTo", "string", "only contacts initiated before this RFC 3339 time"},
		{"channel", "string", "only records of this channel: VOICE, CHAT or TASK"},
		{"queueId", "string", "only records whose last queue is this one"},
		{"agentId", "string", "only records whose last agent is this user"},
	}
)

func (s *Server) contactReadRoutes() []route {
	base := "/api/v1/instances/{instanceId}/contacts"
	item := base + "/{contactId}"
	records := "/api/v1/instances/{instanceId}/contact-records"
	return []route{
		{method: "GET", path: base, op: "listContacts", tag: "Contacts",
			summary: "List an instance's contacts in creation order, filtered by state, channel, queue or agent",
			auth:    authInstance, out: typeOf[ListResponse[contact.Contact]](), status: 200,
			query: append(slices.Clone(contactFilterParams), contactPageParams...), handler: s.listContacts},
		{method: "GET", path: item, op: "describeContact", tag: "Contacts",
			summary: "Get a contact (Amazon Connect's DescribeContact): state, timestamps, queue, agent, attributes",
			auth:    authInstance, out: typeOf[contact.Contact](), status: 200, handler: s.describeContact},
		{method: "GET", path: item + "/attributes", op: "getContactAttributes", tag: "Contacts",
			summary: "Get a contact's user-defined attributes (Amazon Connect's GetContactAttributes)",
			auth:    authInstance, out: typeOf[ContactAttributes](), status: 200, handler: s.getContactAttributes},
		{method: "POST", path: item + "/attributes", op: "updateContactAttributes", tag: "Contacts",
			summary: "Merge attributes into a contact that has not ended (Amazon Connect's UpdateContactAttributes)",
			auth:    authInstance, in: typeOf[ContactAttributes](), out: typeOf[ContactAttributes](), status: 200,
			handler: s.updateContactAttributes},
		{method: "GET", path: item + "/transcript", op: "getContactTranscript", tag: "Contacts",
			summary: "Get a chat contact's transcript (messages and events, oldest first; empty for other channels)",
			auth:    authInstance, out: typeOf[ContactTranscript](), status: 200, query: contactPageParams,
			handler: s.getContactTranscript},
		{method: "GET", path: records, op: "listContactRecords", tag: "Contact records",
			summary: "List an instance's contact records (CTRs) in contact creation order",
			auth:    authInstance, out: typeOf[ListResponse[ContactRecord]](), status: 200,
			query: append(slices.Clone(recordFilterParams), contactPageParams...), handler: s.listContactRecords},
		{method: "GET", path: records + "/{contactId}", op: "getContactRecord", tag: "Contact records",
			summary: "Get the record (CTR) of an ended contact",
			auth:    authInstance, out: typeOf[ContactRecord](), status: 200, handler: s.getContactRecord},
	}
}

// errBadTranscriptToken refuses a transcript nextToken the API did not issue.
var errBadTranscriptToken = core.Invalid("nextToken", "is not a token this API issued")

// errNoContacts answers the contact routes of a server built without a
// ContactService.
var errNoContacts = errStatus(http.StatusServiceUnavailable, "unavailable", "this server does not serve contacts")

// contactSvc returns the ContactService, or writes a 503 and returns nil.
func (s *Server) contactSvc(w http.ResponseWriter, r *http.Request) ContactService {
	if s.contacts == nil {
		s.writeError(w, r, errNoContacts)
	}
	return s.contacts
}

// pathContact reads the contact the path names ({instanceId},
// {contactId}), writing the error response when there is none.
func (s *Server) pathContact(w http.ResponseWriter, r *http.Request) (*contact.Contact, bool) {
	cs := s.contactSvc(w, r)
	if cs == nil {
		return nil, false
	}
	c, err := cs.Get(r.Context(), r.PathValue("instanceId"), r.PathValue("contactId"))
	if err != nil {
		s.writeError(w, r, err)
		return nil, false
	}
	return c, true
}

func (s *Server) listContacts(w http.ResponseWriter, r *http.Request) {
	cs := s.contactSvc(w, r)
	if cs == nil {
		return
	}
	inst := r.PathValue("instanceId")
	q := contact.Query{InstanceID: inst}
	v := r.URL.Query()
	var err error
	if q.Token, q.Max, err = pageQuery(v); err == nil {
		if q.States, err = statesQuery(v.Get("state")); err == nil {
			q.Channel, err = channelQuery(v.Get("channel"))
		}
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	q.QueueID, q.AgentID = v.Get("queueId"), v.Get("agentId")
	items, next, err := cs.List(r.Context(), q)
	writePage(s, w, r, inst, items, next, err, func(c *contact.Contact) *contact.Contact { return c })
}

// writePage answers one page of a list, or the error; an empty page of an
// instance that does not exist is a 404.
func writePage[T, O any](s *Server, w http.ResponseWriter, r *http.Request, inst string, items []T, next string, err error, conv func(T) O) {
	if err == nil && len(items) == 0 {
		err = s.instanceExists(r.Context(), inst)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := ListResponse[O]{Items: make([]O, len(items)), NextToken: next}
	for i, it := range items {
		out.Items[i] = conv(it)
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) describeContact(w http.ResponseWriter, r *http.Request) {
	c, ok := s.pathContact(w, r)
	if !ok {
		return
	}
	w.Header().Set("ETag", etag(c.Version))
	writeJSON(w, http.StatusOK, c)
}

func (s *Server) getContactAttributes(w http.ResponseWriter, r *http.Request) {
	c, ok := s.pathContact(w, r)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, ContactAttributes{Attributes: c.Attributes})
}

func (s *Server) updateContactAttributes(w http.ResponseWriter, r *http.Request) {
	var in ContactAttributes
	if err := s.decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := checkAttributes(in.Attributes); err != nil {
		s.writeError(w, r, err)
		return
	}
	cs := s.contactSvc(w, r)
	if cs == nil {
		return
	}
	c, err := cs.UpdateData(r.Context(), r.PathValue("instanceId"), r.PathValue("contactId"),
		contact.DataUpdate{Attributes: in.Attributes})
	if err != nil {
		s.writeError(w, r, renameField(err, "attributes", "Attributes"))
		return
	}
	w.Header().Set("ETag", etag(c.Version))
	writeJSON(w, http.StatusOK, ContactAttributes{Attributes: c.Attributes})
}

// checkAttributes refuses, before anything is read, what the contact
// manager would refuse anyway whatever the contact holds.
func checkAttributes(attrs map[string]string) error {
	if attrs == nil {
		return core.Invalid("Attributes", "is required: an object of string keys and string values")
	}
	size := 0
	for k, v := range attrs {
		if k == "" || len(k) > contact.MaxAttributeKey {
			return core.Invalid("Attributes", "keys must have 1 to %d characters", contact.MaxAttributeKey)
		}
		size += len(k) + len(v)
	}
	if size > contact.MaxAttributesBytes {
		return core.Invalid("Attributes", "must total at most %d bytes of keys and values", contact.MaxAttributesBytes)
	}
	return nil
}

// renameField gives a validation error's field the name the client sent.
func renameField(err error, from, to string) error {
	var ve *core.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	out := &core.ValidationError{Errors: slices.Clone(ve.Errors)}
	for i := range out.Errors {
		if out.Errors[i].Field == from {
			out.Errors[i].Field = to
		}
	}
	return out
}

func (s *Server) getContactTranscript(w http.ResponseWriter, r *http.Request) {
	cs := s.contactSvc(w, r)
	if cs == nil {
		return
	}
	inst, id := r.PathValue("instanceId"), r.PathValue("contactId")
	token, max, err := pageQuery(r.URL.Query())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	// A transcript token is the ID of the last item of the previous page.
	after, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(token) > 1000 {
		s.writeError(w, r, errBadTranscriptToken)
		return
	}
	c, err := cs.Get(r.Context(), inst, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := ContactTranscript{InitialContactID: c.InitialContactID, ContactID: c.ID, Transcript: []TranscriptItem{}}
	var items []chat.Item
	// A chat is kept under the contact that started it: the contacts a
	// transfer made continue it (their InitialContactId).
	chatID := id
	if c.InitialContactID != "" {
		chatID = c.InitialContactID
	}
	rec, err := s.transcripts.Chat(r.Context(), chatID)
	switch {
	case errors.Is(err, chat.ErrNotFound):
		// Not a chat (or one that never started): no transcript.
	case err != nil:
		s.writeError(w, r, err)
		return
	case rec.InstanceID != inst:
		s.writeError(w, r, errNotFound)
		return
	default:
		if rec.InitialContactID != "" {
			out.InitialContactID = rec.InitialContactID
		}
		if items, err = s.transcripts.Items(r.Context(), chatID); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	// Receipts (MESSAGEMETADATA) are kept as items of their own; the
	// transcript is the messages and events.
	items = slices.DeleteFunc(items, func(it chat.Item) bool { return it.Type == chat.TypeMessageMetadata })
	start := 0
	if len(after) > 0 {
		i := slices.IndexFunc(items, func(it chat.Item) bool { return it.ID == string(after) })
		if i < 0 {
			s.writeError(w, r, errBadTranscriptToken)
			return
		}
		start = i + 1
	}
	if max == 0 {
		max = 100
	}
	end := min(start+max, len(items))
	for _, it := range items[start:end] {
		out.Transcript = append(out.Transcript, TranscriptItem(it))
	}
	if end < len(items) && end > start {
		out.NextToken = base64.RawURLEncoding.EncodeToString([]byte(items[end-1].ID))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) listContactRecords(w http.ResponseWriter, r *http.Request) {
	cs := s.contactSvc(w, r)
	if cs == nil {
		return
	}
	inst := r.PathValue("instanceId")
	q := contact.RecordQuery{InstanceID: inst}
	v := r.URL.Query()
	var err error
	if q.Token, q.Max, err = pageQuery(v); err == nil {
		if q.Channel, err = channelQuery(v.Get("channel")); err == nil {
			if q.InitiatedFrom, err = timeQuery(v, "initiatedFrom"); err == nil {
				q.InitiatedTo, err = timeQuery(v, "initiatedTo")
			}
		}
	}
	if err == nil && !q.InitiatedFrom.IsZero() && !q.InitiatedTo.IsZero() && !q.InitiatedTo.After(q.InitiatedFrom) {
		err = errBadRequest("bad_query", "initiatedTo", "must be after initiatedFrom")
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	q.QueueID, q.AgentID = v.Get("queueId"), v.Get("agentId")
	recs, next, err := cs.ListRecords(r.Context(), q)
	writePage(s, w, r, inst, recs, next, err, func(rec *contact.Record) *ContactRecord { return (*ContactRecord)(rec) })
}

func (s *Server) getContactRecord(w http.ResponseWriter, r *http.Request) {
	cs := s.contactSvc(w, r)
	if cs == nil {
		return
	}
	rec, err := cs.GetRecord(r.Context(), r.PathValue("instanceId"), r.PathValue("contactId"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, (*ContactRecord)(rec))
}

// pageQuery reads maxResults (0 when absent) and nextToken (as sent: the
// store decodes its own tokens).
func pageQuery(v map[string][]string) (token string, max int, err error) {
	get := func(k string) string {
		if len(v[k]) > 0 {
			return v[k][0]
		}
		return ""
	}
	if m := get("maxResults"); m != "" {
		n, err := strconv.Atoi(m)
		if err != nil || n < 1 || n > store.MaxPageSize {
			return "", 0, errBadRequest("bad_query", "maxResults", "must be an integer from 1 to %d", store.MaxPageSize)
		}
		max = n
	}
	return get("nextToken"), max, nil
}

func statesQuery(s string) ([]contact.State, error) {
	if s == "" {
		return nil, nil
	}
	var out []contact.State
	for part := range strings.SplitSeq(s, ",") {
		st := contact.State(strings.TrimSpace(part))
		if !slices.Contains(contact.States(), st) {
			return nil, errBadRequest("bad_query", "state", "%q is not a state; use INITIATED, IN_FLOW, QUEUED, OFFERED, CONNECTED, AFTER_CONTACT_WORK or ENDED", st)
		}
		if !slices.Contains(out, st) {
			out = append(out, st)
		}
	}
	return out, nil
}

func channelQuery(s string) (contact.Channel, error) {
	switch c := contact.Channel(s); c {
	case "", contact.Voice, contact.Chat, contact.Task:
		return c, nil
	}
	return "", errBadRequest("bad_query", "channel", "must be VOICE, CHAT or TASK")
}

func timeQuery(v map[string][]string, name string) (time.Time, error) {
	if len(v[name]) == 0 || v[name][0] == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, v[name][0])
	if err != nil {
		return time.Time{}, errBadRequest("bad_query", name, "must be an RFC 3339 date-time such as 2030-01-02T15:04:05Z")
	}
	return t, nil
}
