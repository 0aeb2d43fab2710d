package jsonpath

import (
	"fmt"
	"slices"
	"strings"
)

// knownRoots are the first segments Amazon Connect defines, from its list of contact attributes
// and their JSONPath references and from the 112 real exports in internal/flow/testdata/connect
// (occurrences there in brackets). Names are case-sensitive, as in Connect.
var knownRoots = []string{
	// User-defined and action results.
	"Attributes",          // contact attributes (UpdateContactAttributes, API) [168]
	"FlowAttributes",      // flow-scoped variables (UpdateFlowAttributes) [13]
	"External",            // the last InvokeLambdaFunction response [1055]
	"Lex",                 // the last Lex turn: IntentName, Slots, SessionAttributes … [11]
	"StoredCustomerInput", // GetParticipantInput with StoreInput=True [5]
	"Metrics",             // GetMetricData: Queue.Size, Agents.Online.Count … [6]
	"Views",               // ShowView: Action, ViewResultData [38]
	"Customer",            // Customer Profiles: FirstName, PhoneNumber, ProfileARN … [26]
	"Case",                // Cases: GetCase/CreateCase fields [13]
	"MediaStreams",        // KVS stream after media streaming starts [3]
	"Media",               // SIP headers: $.Media.Sip.Headers.<name>
	"Wisdom",              // Amazon Q in Connect session: $.Wisdom.SessionArn
	// System attributes.
	"AwsRegion",
	"Channel", // VOICE, CHAT, TASK … [8]
	"ContactId",
	"CustomerEndpoint", // Address (caller number), Type [17]
	"CustomerId",       // [2]
	"Description",      // task description
	"InitialContactId",
	"InitiationMethod",
	"InstanceARN",
	"LanguageCode",
	"Name", // task name
	"PreviousContactId",
	"Queue", // current target queue: Name, ARN, OutboundCallerId.Address … [13]
	"References",
	"RelatedContactId",
	"SegmentAttributes",
	"SystemEndpoint", // Address (dialed number), Type [4]
	"Tags",
	"TextToSpeechVoiceId",
	"Agent", // whisper and transfer flows: UserName, FirstName, LastName, ARN [3]
}

func init() { slices.Sort(knownRoots) }

// KnownRoots returns the root names Connect defines, sorted. The result is a copy.
func KnownRoots() []string { return slices.Clone(knownRoots) }

// IsKnownRoot reports whether name is one of KnownRoots (case-sensitive).
func IsKnownRoot(name string) bool {
	_, ok := slices.BinarySearch(knownRoots, name)
	return ok
}

// CheckRoot returns nil when p's root is one of KnownRoots, and otherwise an error wrapping
// ErrUnknownRoot that names the root and, when it differs from a known one only in case,
// suggests it: `jsonpath: unknown root: "attributes" in $.attributes.x (did you mean "Attributes"?)`.
// Parse accepts any root, so validators call this to warn about typos while flows that use
// undocumented roots still load.
func (p Path) CheckRoot() error {
	root := p.Root()
	if IsKnownRoot(root) {
		return nil
	}
	for _, k := range knownRoots {
		if strings.EqualFold(k, root) {
			return fmt.Errorf("%w: %q in %s (did you mean %q?)", ErrUnknownRoot, root, p, k)
		}
	}
	return fmt.Errorf("%w: %q in %s", ErrUnknownRoot, root, p)
}
