package chat

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"time"
)

// Transcript paging, as GetTranscript defines it.
const (
	scanBackward   = "BACKWARD"
	scanForward    = "FORWARD"
	sortAscending  = "ASCENDING"
	sortDescending = "DESCENDING"
	// defaultMaxResults is the page size when MaxResults is absent or 0.
	defaultMaxResults = 10
	maxMaxResults     = 100
)

type startPosition struct {
	ID           string `json:"Id"`
	AbsoluteTime string `json:"AbsoluteTime"`
	MostRecent   *int   `json:"MostRecent"`
}

type transcriptRequest struct {
	ContactID     string `json:"ContactId"`
	MaxResults    *int
	NextToken     string
	ScanDirection string
	SortOrder     string
	StartPosition *startPosition
}

type transcriptResponse struct {
	InitialContactID string `json:"InitialContactId"`
	Transcript       []Item `json:"Transcript"`
	NextToken        string `json:"NextToken,omitempty"`
}

// pageToken is the opaque NextToken: where the next page starts and which
// way the scan goes.
type pageToken struct {
	Index int    `json:"i"`
	Scan  string `json:"d"`
}

func (t pageToken) encode() string {
	b, _ := json.Marshal(t)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodePageToken(s string) (pageToken, bool) {
	var t pageToken
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(s) > 1000 || json.Unmarshal(b, &t) != nil || t.Index < 0 || (t.Scan != scanBackward && t.Scan != scanForward) {
		return pageToken{}, false
	}
	return t, true
}

// handleTranscript is GetTranscript. It reads the Backend only, so it
// works after the chat has ended, for as long as the connection token is
// valid.
func (s *Service) handleTranscript(w http.ResponseWriter, r *http.Request, c *caller) {
	var req transcriptRequest
	if err := decode(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	chat, err := s.be.Chat(r.Context(), c.cred.ContactID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if req.ContactID != "" && req.ContactID != chat.ContactID && req.ContactID != chat.InitialContactID {
		s.writeError(w, r, accessDenied("The connection token does not grant access to that contact.", nil))
		return
	}
	items, err := s.be.Items(r.Context(), chat.ContactID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	page, next, err := transcriptPage(foldReceipts(items), req)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, transcriptResponse{InitialContactID: chat.InitialContactID, Transcript: page, NextToken: next})
}

// transcriptPage selects a page of items (oldest first) as req asks.
//
// StartPosition names the first item of the scan, included: by Id, by
// AbsoluteTime (the last item at or before it scanning BACKWARD, the first
// at or after it scanning FORWARD), or by MostRecent (0 is the most recent
// item). Without one a BACKWARD scan starts at the most recent item and a
// FORWARD scan at the oldest. The page holds up to MaxResults items in the
// scan direction, sorted by SortOrder; NextToken continues the scan.
func transcriptPage(items []Item, req transcriptRequest) ([]Item, string, error) {
	scan := req.ScanDirection
	if scan == "" {
		scan = scanBackward
	}
	if scan != scanBackward && scan != scanForward {
		return nil, "", validation("ScanDirection %q is not one of FORWARD, BACKWARD.", req.ScanDirection)
	}
	order := req.SortOrder
	if order == "" {
		order = sortAscending
	}
	if order != sortAscending && order != sortDescending {
		return nil, "", validation("SortOrder %q is not one of ASCENDING, DESCENDING.", req.SortOrder)
	}
	n := defaultMaxResults
	if req.MaxResults != nil {
		if *req.MaxResults < 0 || *req.MaxResults > maxMaxResults {
			return nil, "", validation("MaxResults must be between 0 and %d.", maxMaxResults)
		}
		if *req.MaxResults > 0 {
			n = *req.MaxResults
		}
	}

	start := -1
	switch sp := req.StartPosition; {
	case req.NextToken != "":
		t, ok := decodePageToken(req.NextToken)
		if !ok || t.Scan != scan {
			return nil, "", validation("NextToken is not valid for this request.")
		}
		start = t.Index
	case sp != nil && (sp.ID != "" || sp.AbsoluteTime != "" || sp.MostRecent != nil):
		set := 0
		for _, b := range []bool{sp.ID != "", sp.AbsoluteTime != "", sp.MostRecent != nil} {
			if b {
				set++
			}
		}
		if set > 1 {
			return nil, "", validation("StartPosition takes one of Id, AbsoluteTime and MostRecent.")
		}
		switch {
		case sp.ID != "":
			start = slices.IndexFunc(items, func(it Item) bool { return it.ID == sp.ID })
			if start < 0 {
				return nil, "", notFound("StartPosition.Id is not an item of this chat.")
			}
		case sp.AbsoluteTime != "":
			t, err := parseTime(sp.AbsoluteTime)
			if err != nil {
				return nil, "", validation("StartPosition.AbsoluteTime is not an ISO 8601 time.")
			}
			start = timeIndex(items, t, scan)
		default:
			if *sp.MostRecent < 0 || *sp.MostRecent > maxMaxResults {
				return nil, "", validation("StartPosition.MostRecent must be between 0 and %d.", maxMaxResults)
			}
			start = len(items) - 1 - *sp.MostRecent
		}
	default:
		start = 0
		if scan == scanBackward {
			start = len(items) - 1
		}
	}

	var page []Item
	next := ""
	if scan == scanBackward {
		if start >= len(items) {
			start = len(items) - 1
		}
		lo := max(start-n+1, 0)
		if start >= 0 {
			page = slices.Clone(items[lo : start+1])
		}
		if lo > 0 && start >= 0 {
			next = pageToken{Index: lo - 1, Scan: scan}.encode()
		}
	} else {
		start = max(start, 0)
		hi := min(start+n, len(items))
		if start < hi {
			page = slices.Clone(items[start:hi])
		}
		if hi < len(items) {
			next = pageToken{Index: hi, Scan: scan}.encode()
		}
	}
	if order == sortDescending {
		slices.Reverse(page)
	}
	if page == nil {
		page = []Item{}
	}
	return page, next, nil
}

// timeIndex is where a scan from t starts, or -1 / len(items) when no
// item is on that side of t.
func timeIndex(items []Item, t time.Time, scan string) int {
	if scan == scanBackward {
		for i := len(items) - 1; i >= 0; i-- {
			if it, err := parseTime(items[i].AbsoluteTime); err == nil && !it.After(t) {
				return i
			}
		}
		return -1
	}
	for i, item := range items {
		if it, err := parseTime(item.AbsoluteTime); err == nil && !it.Before(t) {
			return i
		}
	}
	return len(items)
}

func parseTime(s string) (time.Time, error) {
	if t, err := time.Parse(TimeFormat, s); err == nil {
		return t, nil
	}
	return time.Parse(time.RFC3339Nano, s)
}

// foldReceipts drops the transient items and the receipt items of a
// transcript, and gives each message the receipts posted for it: one
// Receipt per recipient, with the delivered and read times.
func foldReceipts(items []Item) []Item {
	type key struct{ msg, who string }
	receipts := map[key]*Receipt{}
	order := map[string][]string{} // message → recipients in order
	for _, it := range items {
		if it.Type != TypeMessageMetadata || it.MessageMetadata == nil {
			continue
		}
		md := it.MessageMetadata
		for _, r := range md.Receipts {
			k := key{md.MessageID, r.RecipientParticipantID}
			cur := receipts[k]
			if cur == nil {
				cur = &Receipt{RecipientParticipantID: r.RecipientParticipantID}
				receipts[k] = cur
				order[md.MessageID] = append(order[md.MessageID], r.RecipientParticipantID)
			}
			if r.DeliveredTimestamp != "" {
				cur.DeliveredTimestamp = r.DeliveredTimestamp
			}
			if r.ReadTimestamp != "" {
				cur.ReadTimestamp = r.ReadTimestamp
			}
		}
	}
	out := make([]Item, 0, len(items))
	for _, it := range items {
		if it.Type == TypeMessageMetadata || !it.inTranscript() {
			continue
		}
		if who := order[it.ID]; it.Type == TypeMessage && len(who) > 0 {
			md := &MessageMetadata{MessageID: it.ID}
			for _, w := range who {
				md.Receipts = append(md.Receipts, *receipts[key{it.ID, w}])
			}
			it.MessageMetadata = md
		}
		out = append(out, it)
	}
	return out
}
