package engine

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/core"
	"github.com/switchboard-cc/switchboard/internal/flow"
	"github.com/switchboard-cc/switchboard/internal/flow/jsonpath"
	"github.com/switchboard-cc/switchboard/internal/function"
	"github.com/switchboard-cc/switchboard/internal/hours"
)

// actionCase runs one action (Identifier "a") and checks where it lands.
type actionCase struct {
	name   string
	action string
	// more are further actions of the flow.
	more string
	// channel is VOICE unless set.
	channel string
	inputs  []string
	// p replaces the scripted participant.
	p     Participant
	setup func(h *harness, c *Contact)
	// want is the identifier the run ends on; wantOutcome its type
	// (EndFlow if empty).
	want        string
	wantOutcome OutcomeType
	check       func(t *testing.T, r *Result, c *Contact, h *harness)
}

func runActionCases(t *testing.T, cases []actionCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness()
			ch := tc.channel
			if ch == "" {
				ch = ChannelVoice
			}
			c := testContact(ch)
			if tc.setup != nil {
				tc.setup(h, c)
			}
			p := tc.p
			if p == nil {
				p = NewScript(tc.inputs...)
			}
			var more []string
			if tc.more != "" {
				more = append(more, tc.more)
			}
			res := h.run(t, single(t, tc.action, more...), c, p)
			want := tc.wantOutcome
			if want == "" {
				want = OutcomeEndFlow
			}
			if res.Outcome.Type != want {
				t.Fatalf("outcome %s (%v), want %s; steps %+v", res.Outcome.Type, res.Outcome.Err, want, res.Steps)
			}
			if tc.want != "" && landed(res) != tc.want {
				t.Fatalf("landed on %q, want %q; steps %+v", landed(res), tc.want, res.Steps)
			}
			if tc.check != nil {
				tc.check(t, res, c, h)
			}
		})
	}
}

// Transitions used by most cases: success to "next", errors to "nme".
const okOrErr = `"Transitions":{"NextAction":"next","Errors":[{"NextAction":"nme","ErrorType":"NoMatchingError"}]}`

func mustPath(s string) jsonpath.Path { return jsonpath.MustParse(s) }

func TestMessageParticipantBranches(t *testing.T) {
	runActionCases(t, []actionCase{
		{
			name:   "text is interpolated",
			action: `{"Identifier":"a","Type":"MessageParticipant","Parameters":{"Text":"Hello $.Attributes.name, you called $.SystemEndpoint.Address."},` + okOrErr + `}`,
			setup:  func(_ *harness, c *Contact) { c.Attributes["name"] = "Ada" },
			want:   "next",
			check: func(t *testing.T, r *Result, _ *Contact, _ *harness) {
				if got := said(r); len(got) != 1 || got[0] != "Hello Ada, you called +15559870000." {
					t.Errorf("said %q", got)
				}
			},
		},
		{
			name:   "missing reference is empty text",
			action: `{"Identifier":"a","Type":"MessageParticipant","Parameters":{"Text":"Hi $.Attributes.nobody!"},` + okOrErr + `}`,
			want:   "next",
			check: func(t *testing.T, r *Result, _ *Contact, _ *harness) {
				if got := said(r); got[0] != "Hi !" {
					t.Errorf("said %q", got)
				}
			},
		},
		{
			name:   "SSML with bracket reference",
			action: `{"Identifier":"a","Type":"MessageParticipant","Parameters":{"SSML":"<speak>Lang $.['LanguageCode']</speak>"},` + okOrErr + `}`,
			want:   "next",
			check: func(t *testing.T, r *Result, _ *Contact, _ *harness) {
				if m := r.Messages[0]; m.Kind != "ssml" || m.Text != "<speak>Lang en-US</speak>" {
					t.Errorf("message %+v", m)
				}
			},
		},
		{
			name:   "prompt by ARN",
			action: `{"Identifier":"a","Type":"MessageParticipant","Parameters":{"PromptId":"arn:aws:connect:us-east-1:1:instance/i/prompt/p-9"},` + okOrErr + `}`,
			setup: func(h *harness, _ *Contact) {
				h.mem.AddPrompt(core.Prompt{Meta: core.Meta{ID: "p-9"}, Name: "Welcome"})
			},
			want: "next",
			check: func(t *testing.T, r *Result, _ *Contact, _ *harness) {
				if m := r.Messages[0]; m.Kind != "prompt" || m.Text != "[prompt Welcome]" {
					t.Errorf("message %+v", m)
				}
			},
		},
		{
			name:   "unknown prompt takes the error branch",
			action: `{"Identifier":"a","Type":"MessageParticipant","Parameters":{"PromptId":"nope"},` + okOrErr + `}`,
			want:   "nme",
		},
		{
			name:   "media URI is interpolated",
			action: `{"Identifier":"a","Type":"MessageParticipant","Parameters":{"Media":{"Uri":"s3://b/help_$.['LanguageCode']_.wav","SourceType":"S3","MediaType":"Audio"}},` + okOrErr + `}`,
			want:   "next",
			check: func(t *testing.T, r *Result, _ *Contact, _ *harness) {
				if m := r.Messages[0]; m.Text != "[audio s3://b/help_en-US_.wav]" {
					t.Errorf("message %+v", m)
				}
			},
		},
		{
			name:   "participant failure takes the error branch",
			action: `{"Identifier":"a","Type":"MessageParticipant","Parameters":{"Text":"x"},` + okOrErr + `}`,
			p:      &ScriptedParticipant{PlayErr: errors.New("line dropped")},
			want:   "nme",
		},
	})
}

func TestMessageParticipantIterativelyBranches(t *testing.T) {
	msgs := `"Messages":[{"Text":"Please hold"},{"Text":"Still there, $.Attributes.name?"}]`
	runActionCases(t, []actionCase{
		{
			name:   "played once then MessagesInterrupted",
			action: `{"Identifier":"a","Type":"MessageParticipantIteratively","Parameters":{` + msgs + `,"InterruptFrequencySeconds":"30"},"Transitions":{"NextAction":"nme","Conditions":[{"NextAction":"interrupted","Condition":{"Operator":"Equals","Operands":["MessagesInterrupted"]}}],"Errors":[{"NextAction":"nme","ErrorType":"NoMatchingError"}]}}`,
			setup:  func(_ *harness, c *Contact) { c.Attributes["name"] = "Bo" },
			want:   "interrupted",
			check: func(t *testing.T, r *Result, _ *Contact, _ *harness) {
				if got := strings.Join(said(r), "|"); got != "Please hold|Still there, Bo?" {
					t.Errorf("said %q", got)
				}
			},
		},
		{
			name:   "empty transitions end the flow",
			action: `{"Identifier":"a","Type":"MessageParticipantIteratively","Parameters":{` + msgs + `},"Transitions":{}}`,
			want:   "a",
		},
		{
			name:   "an iterative player loops until interrupted",
			action: `{"Identifier":"a","Type":"MessageParticipantIteratively","Parameters":{` + msgs + `,"InterruptFrequencySeconds":"5"},"Transitions":{"Conditions":[{"NextAction":"interrupted","Condition":{"Operator":"Equals","Operands":["MessagesInterrupted"]}}]}}`,
			p:      &loopingParticipant{interrupted: true},
			want:   "interrupted",
		},
		{
			name:   "an unknown prompt takes the error branch",
			action: `{"Identifier":"a","Type":"MessageParticipantIteratively","Parameters":{"Messages":[{"PromptId":"missing"}]},"Transitions":{"Errors":[{"NextAction":"nme","ErrorType":"NoMatchingError"}]}}`,
			want:   "nme",
		},
	})
	lp := &loopingParticipant{interrupted: true}
	h := newHarness()
	f := single(t, `{"Identifier":"a","Type":"MessageParticipantIteratively","Parameters":{"Messages":[{"Text":"m"}],"InterruptFrequencySeconds":"45"},"Transitions":{"Conditions":[{"NextAction":"i","Condition":{"Operator":"Equals","Operands":["MessagesInterrupted"]}}]}}`)
	h.run(t, f, nil, lp)
	if lp.every != 45*time.Second || len(lp.msgs) != 1 {
		t.Errorf("PlayIteratively got every=%v msgs=%v", lp.every, lp.msgs)
	}
}

type loopingParticipant struct {
	ScriptedParticipant
	interrupted bool
	every       time.Duration
	msgs        []Message
}

func (l *loopingParticipant) PlayIteratively(_ context.Context, msgs []Message, every time.Duration) (bool, error) {
	l.msgs, l.every = msgs, every
	return l.interrupted, nil
}

func menu(extra string) string {
	return `{"Identifier":"a","Type":"GetParticipantInput","Parameters":{"Text":"Press 1 for sales, 2 for support","StoreInput":"False","InputTimeLimitSeconds":"5"` + extra + `},` +
		`"Transitions":{"NextAction":"nme","Conditions":[` +
		`{"NextAction":"sales","Condition":{"Operator":"Equals","Operands":["1"]}},` +
		`{"NextAction":"support","Condition":{"Operator":"Equals","Operands":["2"]}}],` +
		`"Errors":[{"NextAction":"timeout","ErrorType":"InputTimeLimitExceeded"},{"NextAction":"nmc","ErrorType":"NoMatchingCondition"},{"NextAction":"nme","ErrorType":"NoMatchingError"}]}}`
}

func stored(params string) string {
	return `{"Identifier":"a","Type":"GetParticipantInput","Parameters":{"Text":"Enter your number","StoreInput":"True","InputTimeLimitSeconds":"5"` + params + `},` +
		`"Transitions":{"NextAction":"next","Errors":[{"NextAction":"timeout","ErrorType":"InputTimeLimitExceeded"},{"NextAction":"invalid","ErrorType":"InvalidPhoneNumber"},{"NextAction":"nme","ErrorType":"NoMatchingError"}]}}`
}

func storedIs(want string) func(*testing.T, *Result, *Contact, *harness) {
	return func(t *testing.T, _ *Result, c *Contact, _ *harness) {
		t.Helper()
		if c.StoredCustomerInput != want {
			t.Errorf("StoredCustomerInput = %q, want %q", c.StoredCustomerInput, want)
		}
	}
}

func TestGetParticipantInputBranches(t *testing.T) {
	runActionCases(t, []actionCase{
		{name: "menu 1", action: menu(""), inputs: []string{"1"}, want: "sales",
			check: func(t *testing.T, r *Result, _ *Contact, _ *harness) {
				if len(r.Messages) != 2 || r.Messages[0].Text != "Press 1 for sales, 2 for support" || r.Messages[1] != (Turn{RoleCaller, "dtmf", "1"}) {
					t.Errorf("transcript %+v", r.Messages)
				}
				if r.Steps[0].Result != "1" || r.Steps[0].Branch != "Condition: Equals 1" {
					t.Errorf("step %+v", r.Steps[0])
				}
			}},
		{name: "menu 2", action: menu(""), inputs: []string{"2"}, want: "support"},
		{name: "voice menu takes the first key", action: menu(""), inputs: []string{"21"}, want: "support"},
		{name: "unknown key", action: menu(""), inputs: []string{"9"}, want: "nmc"},
		{name: "timeout", action: menu(""), inputs: nil, want: "timeout",
			check: func(t *testing.T, r *Result, _ *Contact, _ *harness) {
				if r.Steps[0].Branch != "Error: InputTimeLimitExceeded" {
					t.Errorf("step %+v", r.Steps[0])
				}
			}},
		{name: "scripted timeout marker", action: menu(""), inputs: []string{TimeoutInput, "1"}, want: "timeout"},
		{name: "chat menu takes the text", action: menu(""), channel: ChannelChat, inputs: []string{" 2 "}, want: "support"},
		{name: "timeout without its branch falls back to NoMatchingError",
			action: `{"Identifier":"a","Type":"GetParticipantInput","Parameters":{"Text":"x","StoreInput":"False","InputTimeLimitSeconds":"5"},"Transitions":{"Errors":[{"NextAction":"nme","ErrorType":"NoMatchingError"}]}}`,
			want:   "nme"},
		{name: "stored digits end at the terminator", action: stored(""), inputs: []string{"12345#99"}, want: "next", check: storedIs("12345")},
		{name: "stored digits custom terminator", action: stored(`,"DTMFConfiguration":{"InputTerminationSequence":"*"}`), inputs: []string{"12*3"}, want: "next", check: storedIs("12")},
		{name: "stored maximum length", action: stored(`,"InputValidation":{"CustomValidation":{"MaximumLength":"4"}}`), inputs: []string{"123456"}, want: "next", check: storedIs("1234")},
		{name: "stored dynamic maximum length", action: stored(`,"InputValidation":{"CustomValidation":{"MaximumLength":"$.Attributes.len"}}`),
			setup: func(_ *harness, c *Contact) { c.Attributes["len"] = "2" }, inputs: []string{"98765"}, want: "next", check: storedIs("98")},
		{name: "stored timeout", action: stored(""), want: "timeout"},
		{name: "phone E164", action: stored(`,"InputValidation":{"PhoneNumberValidation":{"NumberFormat":"E164"}}`), inputs: []string{"15551234567"}, want: "next", check: storedIs("+15551234567")},
		{name: "phone E164 wrong length", action: stored(`,"InputValidation":{"PhoneNumberValidation":{"NumberFormat":"E164"}}`), inputs: []string{"1555123"}, want: "invalid"},
		{name: "phone local US", action: stored(`,"InputValidation":{"PhoneNumberValidation":{"NumberFormat":"Local","CountryCode":"US"}}`), inputs: []string{"5551234567"}, want: "next", check: storedIs("+15551234567")},
		{name: "phone local GB trunk prefix", action: stored(`,"InputValidation":{"PhoneNumberValidation":{"NumberFormat":"Local","CountryCode":"GB"}}`), inputs: []string{"02079460000"}, want: "next", check: storedIs("+442079460000")},
		{name: "phone local too short", action: stored(`,"InputValidation":{"PhoneNumberValidation":{"NumberFormat":"Local","CountryCode":"US"}}`), inputs: []string{"555123"}, want: "invalid"},
		{name: "phone not digits", action: stored(`,"InputValidation":{"PhoneNumberValidation":{"NumberFormat":"E164"}}`), inputs: []string{"call me"}, want: "invalid"},
		{name: "encrypted input is not supported", action: stored(`,"InputEncryption":{"EncryptionKeyId":"k","Key":"-----BEGIN CERTIFICATE-----"}`), inputs: []string{"1234"}, want: "nme"},
		{name: "unknown prompt", action: `{"Identifier":"a","Type":"GetParticipantInput","Parameters":{"PromptId":"gone","StoreInput":"False","InputTimeLimitSeconds":"5"},"Transitions":{"Errors":[{"NextAction":"nme","ErrorType":"NoMatchingError"}]}}`, want: "nme"},
	})
}

// TestGetParticipantInputExpected checks that a menu tells the participant
// the values its conditions expect (for speech recognition), and that a
// voice menu keeps a spoken word that is one of them whole.
func TestGetParticipantInputExpected(t *testing.T) {
	words := `{"Identifier":"a","Type":"GetParticipantInput","Parameters":{"Text":"Say sales or billing, or press 1 or 2","StoreInput":"False","InputTimeLimitSeconds":"5"},` +
		`"Transitions":{"NextAction":"nme","Conditions":[` +
		`{"NextAction":"sales","Condition":{"Operator":"Equals","Operands":["Sales"]}},` +
		`{"NextAction":"sales","Condition":{"Operator":"Equals","Operands":["1"]}},` +
		`{"NextAction":"billing","Condition":{"Operator":"Or","Operands":[{"Operator":"Equals","Operands":["Billing"]},"2","1"]}},` +
		`{"NextAction":"nmc","Condition":{"Operator":"Not","Operands":[{"Operator":"Equals","Operands":["9"]}]}}],` +
		`"Errors":[{"NextAction":"timeout","ErrorType":"InputTimeLimitExceeded"},{"NextAction":"nmc","ErrorType":"NoMatchingCondition"},{"NextAction":"nme","ErrorType":"NoMatchingError"}]}}`
	var got [][]string
	record := func(inputs ...string) *ScriptedParticipant {
		s := NewScript(inputs...)
		s.OnInput = func(req InputRequest, _ string) { got = append(got, req.Expected) }
		return s
	}
	runActionCases(t, []actionCase{
		{name: "spoken word", action: words, p: record("Billing"), want: "billing"},
		{name: "key", action: words, p: record("2"), want: "billing"},
		{name: "menu of keys", action: menu(""), p: record("1"), want: "sales"},
		{name: "stored digits expect nothing", action: stored(""), p: record("12#"), want: "next"},
	})
	want := [][]string{{"Sales", "1", "Billing", "2"}, {"Sales", "1", "Billing", "2"}, {"1", "2"}, nil}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Expected = %q, want %q", got, want)
	}
}

func lex(extra string) string {
	return `{"Identifier":"a","Type":"ConnectParticipantWithLexBot","Parameters":{"Text":"How can I help, $.Attributes.name?","LexV2Bot":{"AliasArn":"arn:aws:lex:us-east-1:1:bot-alias/BOT1/ALIAS1"},"LexSessionAttributes":{"contact":"$.ContactId"}` + extra + `},` +
		`"Transitions":{"NextAction":"nme","Conditions":[` +
		`{"NextAction":"balance","Condition":{"Operator":"Equals","Operands":["CheckBalance"]}},` +
		`{"NextAction":"pay","Condition":{"Operator":"Equals","Operands":["MakePayment"]}},` +
		`{"NextAction":"fallback","Condition":{"Operator":"Equals","Operands":["FallbackIntent"]}}],` +
		`"Errors":[{"NextAction":"timeout","ErrorType":"InputTimeLimitExceeded"},{"NextAction":"nmc","ErrorType":"NoMatchingCondition"},{"NextAction":"nme","ErrorType":"NoMatchingError"}]}}`
}

var bankBot = BotDefinition{ID: "BOT1", Name: "Bank", Intents: []Intent{
	{Name: "CheckBalance", Utterances: []string{"check my balance", "what is my balance", "balance of my {Account} account"},
		Slots: []Slot{{Name: "Account", Values: []string{"checking=current", "savings"}}}},
	{Name: "MakePayment", Utterances: []string{"I want to pay a bill", "make a payment"}},
}}

func TestConnectParticipantWithLexBotBranches(t *testing.T) {
	withBot := func(h *harness, c *Contact) { h.mem.AddBot(bankBot); c.Attributes["name"] = "Cy" }
	runActionCases(t, []actionCase{
		{name: "intent and slot", action: lex(""), setup: withBot, inputs: []string{"What's the balance of my current account?"}, want: "balance",
			check: func(t *testing.T, r *Result, c *Contact, _ *harness) {
				if c.Lex.IntentName != "CheckBalance" || c.Lex.Slots["Account"] != "checking" || c.Lex.SessionAttributes["contact"] != "c-1" {
					t.Errorf("Lex %+v", c.Lex)
				}
				if said(r)[0] != "How can I help, Cy?" {
					t.Errorf("said %q", said(r))
				}
				if v, _ := c.Lookup(mustPath("$.Lex.Slots.Account")); v != "checking" {
					t.Errorf("$.Lex.Slots.Account = %v", v)
				}
			}},
		{name: "exact sample", action: lex(""), setup: withBot, inputs: []string{"make a payment"}, want: "pay",
			check: func(t *testing.T, _ *Result, c *Contact, _ *harness) {
				if c.Lex.Confidence != 1 {
					t.Errorf("confidence %v", c.Lex.Confidence)
				}
			}},
		{name: "nothing matches", action: lex(""), setup: withBot, inputs: []string{"tell me a joke"}, want: "fallback"},
		{name: "timeout", action: lex(""), setup: withBot, want: "timeout"},
		{name: "unknown bot", action: lex(""), inputs: []string{"make a payment"}, want: "nme"},
		{name: "bound by the bot ID in the alias ARN", action: lex(""), setup: func(h *harness, _ *Contact) {
			h.mem.AddBotImpl("BOT1", "other", EchoBot{})
		}, inputs: []string{"MakePayment"}, want: "pay"},
		{name: "intent with no condition", action: lex(""), setup: func(h *harness, _ *Contact) { h.mem.AddBotImpl("BOT1", "", EchoBot{}) },
			inputs: []string{"Other"}, want: "nmc"},
		{name: "chat initial message is the first utterance", channel: ChannelChat,
			action: lex(`,"LexInitilizationData":{"InitialMessage":"$.Attributes.first"}`),
			setup: func(h *harness, c *Contact) {
				withBot(h, c)
				c.Attributes["first"] = "check my balance"
			}, want: "balance"},
	})
}

func TestDisconnectAndEnd(t *testing.T) {
	runActionCases(t, []actionCase{
		{name: "disconnect", action: `{"Identifier":"a","Type":"DisconnectParticipant","Parameters":{},"Transitions":{}}`, want: "a", wantOutcome: OutcomeDisconnect},
		{name: "end flow", action: `{"Identifier":"a","Type":"EndFlowExecution","Parameters":{},"Transitions":{}}`, want: "a"},
		{name: "return outside a module ends the flow", action: `{"Identifier":"a","Type":"EndFlowModuleExecution","Parameters":{},"Transitions":{}}`, want: "a"},
		{name: "no next action ends the flow", action: `{"Identifier":"a","Type":"UpdateFlowLoggingBehavior","Parameters":{"FlowLoggingBehavior":"Enabled"},"Transitions":{}}`, want: "a",
			check: func(t *testing.T, r *Result, _ *Contact, _ *harness) {
				if r.Outcome.Reason == "" {
					t.Error("no reason")
				}
			}},
	})
}

// dialer is a participant that can call third parties.
type dialer struct {
	ScriptedParticipant
	err error
	req ThirdPartyRequest
}

func (d *dialer) Dial(_ context.Context, req ThirdPartyRequest) error {
	d.req = req
	return d.err
}

func thirdParty(cont string) string {
	return `{"Identifier":"a","Type":"TransferParticipantToThirdParty","Parameters":{"ThirdPartyPhoneNumber":"$.Attributes.number","ThirdPartyConnectionTimeLimitSeconds":"30","ContinueFlowExecution":"` + cont + `","ThirdPartyDTMFDigits":"123#","CallerId":{"Number":"$.SystemEndpoint.Address","Name":"Support"}},` +
		`"Transitions":{"NextAction":"next","Errors":[{"NextAction":"timeout","ErrorType":"ConnectionTimeLimitExceeded"},{"NextAction":"failed","ErrorType":"CallFailed"},{"NextAction":"nme","ErrorType":"NoMatchingError"}]}}`
}

func TestTransferParticipantToThirdPartyBranches(t *testing.T) {
	number := func(_ *harness, c *Contact) { c.Attributes["number"] = "+1 (555) 010-9999" }
	runActionCases(t, []actionCase{
		{name: "without a dialer the run ends with the transfer", action: thirdParty("True"), setup: number,
			want: "a", wantOutcome: OutcomeTransferToPhoneNumber,
			check: func(t *testing.T, r *Result, _ *Contact, _ *harness) {
				want := ThirdPartyRequest{PhoneNumber: "+15550109999", CallerIDNumber: "+15559870000", CallerIDName: "Support",
					Timeout: 30 * time.Second, DTMF: "123#", ContinueFlow: true}
				if *r.Outcome.ThirdParty != want {
					t.Errorf("got %+v", *r.Outcome.ThirdParty)
				}
			}},
		{name: "dialled and continuing", action: thirdParty("True"), setup: number, p: &dialer{}, want: "next"},
		{name: "dialled without continuing ends", action: thirdParty("False"), setup: number, p: &dialer{}, want: "a", wantOutcome: OutcomeTransferToPhoneNumber},
		{name: "no answer", action: thirdParty("True"), setup: number, p: &dialer{err: ErrConnectionTimeout}, want: "timeout"},
		{name: "call failed", action: thirdParty("True"), setup: number, p: &dialer{err: ErrCallFailed}, want: "failed"},
		{name: "failure without continuing is NoMatchingError", action: thirdParty("False"), setup: number, p: &dialer{err: ErrCallFailed}, want: "nme"},
		{name: "not a phone number", action: thirdParty("True"), setup: func(_ *harness, c *Contact) { c.Attributes["number"] = "sales" }, want: "nme"},
	})
}

func TestContactAttributeActions(t *testing.T) {
	runActionCases(t, []actionCase{
		{name: "attributes are interpolated",
			action: `{"Identifier":"a","Type":"UpdateContactAttributes","Parameters":{"Attributes":{"greeting":"Hi $.Attributes.name","caller":"$.CustomerEndpoint.Address","lang":"$.LanguageCode"},"TargetContact":"Current"},` + okOrErr + `}`,
			setup:  func(_ *harness, c *Contact) { c.Attributes["name"] = "Di" },
			want:   "next",
			check: func(t *testing.T, _ *Result, c *Contact, _ *harness) {
				if c.Attributes["greeting"] != "Hi Di" || c.Attributes["caller"] != "+15551230001" || c.Attributes["lang"] != "en-US" {
					t.Errorf("attributes %v", c.Attributes)
				}
			}},
		{name: "related contact",
			action: `{"Identifier":"a","Type":"UpdateContactAttributes","Parameters":{"Attributes":{"k":"v"},"TargetContact":"Related"},` + okOrErr + `}`,
			want:   "next",
			check: func(t *testing.T, _ *Result, c *Contact, _ *harness) {
				if c.RelatedAttributes["k"] != "v" || c.Attributes["k"] != "" {
					t.Errorf("related %v current %v", c.RelatedAttributes, c.Attributes)
				}
			}},
		{name: "too large",
			action: `{"Identifier":"a","Type":"UpdateContactAttributes","Parameters":{"Attributes":{"big":"$.Attributes.big $.Attributes.big"}},` + okOrErr + `}`,
			setup:  func(_ *harness, c *Contact) { c.Attributes["big"] = strings.Repeat("x", 20000) },
			want:   "nme",
		},
		{name: "flow attributes",
			action: `{"Identifier":"a","Type":"UpdateFlowAttributes","Parameters":{"FlowAttributes":{"step":{"Value":"one"},"who":{"Value":"$.Attributes.name"}}},` + okOrErr + `}`,
			setup:  func(_ *harness, c *Contact) { c.Attributes["name"] = "Ed" },
			want:   "next",
			check: func(t *testing.T, _ *Result, c *Contact, _ *harness) {
				if c.FlowAttributes["step"] != "one" || c.FlowAttributes["who"] != "Ed" {
					t.Errorf("flow attributes %v", c.FlowAttributes)
				}
			}},
	})
}

func compareAction(op, operand string) string {
	return `{"Identifier":"a","Type":"Compare","Parameters":{"ComparisonValue":"$.Attributes.v"},"Transitions":{"NextAction":"nmc","Conditions":[{"NextAction":"yes","Condition":{"Operator":"` + op + `","Operands":["` + operand + `"]}}],"Errors":[{"NextAction":"nmc","ErrorType":"NoMatchingCondition"}]}}`
}

func TestCompareAction(t *testing.T) {
	cases := []struct {
		op, operand, value, want string
	}{
		{"Equals", "gold", "gold", "yes"},
		{"Equals", "gold", "Gold", "nmc"},
		{"TextStartsWith", "go", "gold", "yes"},
		{"TextStartsWith", "ld", "gold", "nmc"},
		{"TextEndsWith", "ld", "gold", "yes"},
		{"TextContains", "ol", "gold", "yes"},
		{"TextContains", "x", "gold", "nmc"},
		{"NumberGreaterThan", "5", "6", "yes"},
		{"NumberGreaterThan", "5", "5", "nmc"},
		{"NumberGreaterOrEqualTo", "5", "5.0", "yes"},
		{"NumberLessThan", "5", "4.5", "yes"},
		{"NumberLessThan", "5", "abc", "nmc"},
		{"NumberLessOrEqualTo", "5", "5", "yes"},
		{"NumberLessOrEqualTo", "5", "", "nmc"},
	}
	var ac []actionCase
	for _, c := range cases {
		value := c.value
		ac = append(ac, actionCase{
			name:   fmt.Sprintf("%s %s %s", value, c.op, c.operand),
			action: compareAction(c.op, c.operand),
			setup:  func(_ *harness, ct *Contact) { ct.Attributes["v"] = value },
			want:   c.want,
		})
	}
	ac = append(ac, actionCase{
		name:   "nested JSON from a function",
		action: `{"Identifier":"a","Type":"Compare","Parameters":{"ComparisonValue":"$.External.account.tier"},"Transitions":{"Conditions":[{"NextAction":"yes","Condition":{"Operator":"Equals","Operands":["gold"]}}],"Errors":[{"NextAction":"nmc","ErrorType":"NoMatchingCondition"}]}}`,
		setup:  func(_ *harness, c *Contact) { c.External = map[string]any{"account": map[string]any{"tier": "gold"}} },
		want:   "yes",
	}, actionCase{
		name:   "nested And/Not",
		action: `{"Identifier":"a","Type":"Compare","Parameters":{"ComparisonValue":"$.Attributes.v"},"Transitions":{"Conditions":[{"NextAction":"yes","Condition":{"Operator":"And","Operands":[{"Operator":"NumberGreaterThan","Operands":["1"]},{"Operator":"Not","Operands":[{"Operator":"Equals","Operands":["3"]}]}]}}],"Errors":[{"NextAction":"nmc","ErrorType":"NoMatchingCondition"}]}}`,
		setup:  func(_ *harness, c *Contact) { c.Attributes["v"] = "2" },
		want:   "yes",
	})
	runActionCases(t, ac)
}

func lambda(params string) string {
	return `{"Identifier":"a","Type":"InvokeLambdaFunction","Parameters":{"LambdaFunctionARN":"arn:aws:lambda:us-east-1:1:function:lookup:$LATEST","InvocationTimeLimitSeconds":"8"` + params + `},` + okOrErr + `}`
}

func TestInvokeLambdaFunctionBranches(t *testing.T) {
	withFn := func(h *harness, c *Contact) {
		h.mem.AddFunction(core.Function{Name: "lookup", URL: "https://fn.example/lookup", TimeoutSeconds: 8})
		c.Attributes["acct"] = "42"
		c.External["old"] = "kept?"
	}
	runActionCases(t, []actionCase{
		{name: "result goes to External", action: lambda(`,"LambdaInvocationAttributes":{"account":"$.Attributes.acct","fixed":"x"}`),
			setup: func(h *harness, c *Contact) {
				withFn(h, c)
				h.inv.external = map[string]any{"balance": "12.50"}
			}, want: "next",
			check: func(t *testing.T, _ *Result, c *Contact, h *harness) {
				if c.External["balance"] != "12.50" || c.External["old"] != nil {
					t.Errorf("External %v", c.External)
				}
				ev := h.inv.calls[0]
				if ev.Details.Parameters["account"] != "42" || ev.Details.Parameters["fixed"] != "x" ||
					ev.Details.ContactData.ContactID != "c-1" || ev.Details.ContactData.Attributes["acct"] != "42" ||
					ev.Details.ContactData.CustomerEndpoint.Address != "+15551230001" {
					t.Errorf("event %+v", ev)
				}
				if h.inv.opts.TimeLimit != 8*time.Second || h.inv.opts.ResponseType != function.StringMap {
					t.Errorf("options %+v", h.inv.opts)
				}
			}},
		{name: "JSON response and clamped limit", action: `{"Identifier":"a","Type":"InvokeLambdaFunction","Parameters":{"LambdaFunctionARN":"lookup","InvocationTimeLimitSeconds":"30","InvocationType":"ASYNCHRONOUS","ResponseValidation":{"ResponseType":"JSON"}},` + okOrErr + `}`,
			setup: withFn, want: "next",
			check: func(t *testing.T, _ *Result, _ *Contact, h *harness) {
				if h.inv.opts.TimeLimit != function.MaxTimeLimit || h.inv.opts.ResponseType != function.JSON {
					t.Errorf("options %+v", h.inv.opts)
				}
			}},
		{name: "function error", action: lambda(""), setup: func(h *harness, c *Contact) {
			withFn(h, c)
			h.inv.err = &function.Error{Kind: function.KindTimeout, Function: "lookup"}
		}, want: "nme",
			check: func(t *testing.T, r *Result, c *Contact, _ *harness) {
				if c.External["old"] != "kept?" {
					t.Errorf("External changed on failure: %v", c.External)
				}
				if !strings.Contains(r.Steps[0].Cause, "timeout") {
					t.Errorf("cause %q", r.Steps[0].Cause)
				}
			}},
		{name: "unbound function", action: lambda(""), want: "nme"},
		{name: "a placeholder naming no function", action: `{"Identifier":"a","Type":"InvokeLambdaFunction","Parameters":{"LambdaFunctionARN":"${LookupArn}","InvocationTimeLimitSeconds":"3"},` + okOrErr + `}`,
			setup: withFn, want: "nme"}, // ${LookupArn} names LookupArn, not lookup
	})
	// Without an invoker every call fails.
	h := newHarness()
	h.noFuncs = true
	h.mem.AddFunction(core.Function{Name: "lookup", URL: "https://fn.example"})
	if r := h.run(t, single(t, lambda("")), nil, NewScript()); landed(r) != "nme" {
		t.Errorf("no invoker: landed on %q", landed(r))
	}
}

func TestLambdaBoundThroughDisplayName(t *testing.T) {
	h := newHarness()
	h.mem.AddFunction(core.Function{Name: "CustomerLookup", URL: "https://fn.example"})
	f := mustFlow(t, `{"Version":"2019-10-30","StartAction":"a","Metadata":{"ActionMetadata":{"a":{"parameters":{"LambdaFunctionARN":{"displayName":"CustomerLookup"}}}}},
		"Actions":[`+lambda("")+`,{"Identifier":"next","Type":"EndFlowExecution","Parameters":{},"Transitions":{}},{"Identifier":"nme","Type":"EndFlowExecution","Parameters":{},"Transitions":{}}]}`)
	f.Actions[0].Parameters["LambdaFunctionARN"] = "{{lambdaFunctions.lookup.arn}}"
	if r := h.run(t, f, nil, NewScript()); landed(r) != "next" {
		t.Fatalf("landed on %q: %+v", landed(r), r.Steps)
	}
}

func queueAction(param string) string {
	return `{"Identifier":"a","Type":"UpdateContactTargetQueue","Parameters":{` + param + `},"Transitions":{"NextAction":"xfer","Errors":[{"NextAction":"nme","ErrorType":"NoMatchingError"}]}}`
}

const transfer = `{"Identifier":"xfer","Type":"TransferContactToQueue","Parameters":{},"Transitions":{"NextAction":"nme","Errors":[{"NextAction":"full","ErrorType":"QueueAtCapacity"},{"NextAction":"nme","ErrorType":"NoMatchingError"}]}}`

func TestQueueActions(t *testing.T) {
	sales := func(h *harness, _ *Contact) {
		h.mem.AddQueue(core.Queue{Meta: core.Meta{ID: "q-sales"}, Name: "Sales", HoursOfOperationID: "h", MaxContacts: 2,
			OutboundCallerID: &core.OutboundCallerID{Number: "+15550001111"}})
		h.mem.AddQueue(core.Queue{Meta: core.Meta{ID: "q-off"}, Name: "Closed", Status: core.StatusDisabled})
		h.mem.AddAgent(core.User{Meta: core.Meta{ID: "u-1"}, Username: "ann"})
	}
	inQueue := func(want string) func(*testing.T, *Result, *Contact, *harness) {
		return func(t *testing.T, r *Result, c *Contact, _ *harness) {
			t.Helper()
			if r.Outcome.Queue == nil || r.Outcome.Queue.ID != want || c.Queue.ID != want {
				t.Fatalf("queue %+v", r.Outcome.Queue)
			}
		}
	}
	cases := []actionCase{
		{name: "by ID", action: queueAction(`"QueueId":"q-sales"`), setup: sales, wantOutcome: OutcomeTransferToQueue, want: "xfer",
			check: func(t *testing.T, r *Result, c *Contact, h *harness) {
				inQueue("q-sales")(t, r, c, h)
				if v, _ := c.Lookup(mustPath("$.Queue.ARN")); v != "arn:aws:connect:us-east-1:123456789012:instance/inst-1/queue/q-sales" {
					t.Errorf("$.Queue.ARN = %v", v)
				}
				if v, _ := c.Lookup(mustPath("$.Queue.OutboundCallerId.Address")); v != "+15550001111" {
					t.Errorf("$.Queue.OutboundCallerId.Address = %v", v)
				}
			}},
		{name: "by ARN", action: queueAction(`"QueueId":"arn:aws:connect:us-east-1:1:instance/x/queue/q-sales"`), setup: sales, wantOutcome: OutcomeTransferToQueue, check: inQueue("q-sales")},
		{name: "by name", action: queueAction(`"QueueId":"sales"`), setup: sales, wantOutcome: OutcomeTransferToQueue, check: inQueue("q-sales")},
		{name: "dynamic", action: queueAction(`"QueueId":"$.Attributes.q"`), setup: func(h *harness, c *Contact) {
			sales(h, c)
			c.Attributes["q"] = "arn:aws:connect:us-east-1:1:instance/x/queue/q-sales"
		}, wantOutcome: OutcomeTransferToQueue, check: inQueue("q-sales")},
		{name: "dynamic resolving to nothing", action: queueAction(`"QueueId":"$.Attributes.none"`), setup: sales, want: "nme"},
		{name: "agent queue", action: queueAction(`"AgentId":"ann"`), setup: sales, wantOutcome: OutcomeTransferToQueue, check: inQueue("u-1")},
		{name: "unknown queue", action: queueAction(`"QueueId":"q-none"`), setup: sales, want: "nme"},
		{name: "at capacity", action: queueAction(`"QueueId":"q-sales"`), setup: func(h *harness, c *Contact) {
			sales(h, c)
			h.metrics.Set("q-sales", QueueMetrics{ContactsInQueue: 2})
		}, want: "full"},
		{name: "disabled queue", action: queueAction(`"QueueId":"q-off"`), setup: sales, want: "nme"},
	}
	for i := range cases {
		cases[i].more = transfer
	}
	runActionCases(t, cases)
	runActionCases(t, []actionCase{{name: "transfer without a queue", action: strings.Replace(transfer, `"xfer"`, `"a"`, 1), want: "nme"}})
	runActionCases(t, []actionCase{{name: "dequeue to another queue",
		action: `{"Identifier":"a","Type":"DequeueContactAndTransferToQueue","Parameters":{"QueueId":"Sales"},"Transitions":{"Errors":[{"NextAction":"nme","ErrorType":"NoMatchingError"}]}}`,
		setup:  sales, wantOutcome: OutcomeTransferToQueue, check: inQueue("q-sales")}})
	runActionCases(t, []actionCase{
		{name: "transfer to the agent of an agent queue", action: queueAction(`"AgentId":"u-1"`), more: `{"Identifier":"xfer","Type":"TransferContactToAgent","Parameters":{},"Transitions":{"Errors":[{"NextAction":"nme","ErrorType":"NoMatchingError"}]}}`,
			setup: sales, wantOutcome: OutcomeTransferToAgent, want: "xfer"},
		{name: "transfer to agent needs an agent queue", action: queueAction(`"QueueId":"q-sales"`), more: `{"Identifier":"xfer","Type":"TransferContactToAgent","Parameters":{},"Transitions":{"Errors":[{"NextAction":"nme","ErrorType":"NoMatchingError"}]}}`,
			setup: sales, want: "nme"},
	})
}

func hoursAction(param string) string {
	return `{"Identifier":"a","Type":"CheckHoursOfOperation","Parameters":{` + param + `},"Transitions":{"Conditions":[{"NextAction":"open","Condition":{"Operator":"Equals","Operands":["True"]}},{"NextAction":"closed","Condition":{"Operator":"Equals","Operands":["False"]}}],"Errors":[{"NextAction":"nme","ErrorType":"NoMatchingError"}]}}`
}

func TestCheckHoursOfOperation(t *testing.T) {
	paris := core.HoursOfOperation{Meta: core.Meta{ID: "h-paris"}, Name: "Paris office", Schedule: hours.Schedule{
		TimeZone: "Europe/Paris",
		Config: []hours.Range{
			{Day: "MONDAY", Start: "09:00", End: "18:00"}, {Day: "TUESDAY", Start: "09:00", End: "18:00"},
			{Day: "FRIDAY", Start: "22:00", End: "02:00"}, // overnight
		},
		Overrides: []hours.Override{{Name: "Christmas", From: "2024-12-24", To: "2024-12-26", Type: hours.Closed}},
	}}
	at := func(ts string) func(h *harness, c *Contact) {
		return func(h *harness, c *Contact) {
			tm, err := time.Parse(time.RFC3339, ts)
			if err != nil {
				panic(err)
			}
			h.clock = FixedClock{T: tm}
			h.mem.AddHours(paris)
			h.mem.AddQueue(core.Queue{Meta: core.Meta{ID: "q"}, Name: "Q", HoursOfOperationID: "h-paris"})
			c.Queue = &QueueTarget{ID: "q", Name: "Q", Queue: &core.Queue{Meta: core.Meta{ID: "q"}, Name: "Q", HoursOfOperationID: "h-paris"}}
		}
	}
	runActionCases(t, []actionCase{
		// 2024-03-05 is a Tuesday; Paris is UTC+1 in March.
		{name: "open in Paris at 08:30 UTC", action: hoursAction(`"HoursOfOperationId":"h-paris"`), setup: at("2024-03-05T08:30:00Z"), want: "open"},
		{name: "closed in Paris at 07:30 UTC", action: hoursAction(`"HoursOfOperationId":"h-paris"`), setup: at("2024-03-05T07:30:00Z"), want: "closed"},
		{name: "closed at 17:30 UTC (18:30 Paris)", action: hoursAction(`"HoursOfOperationId":"h-paris"`), setup: at("2024-03-05T17:30:00Z"), want: "closed"},
		{name: "summer time shifts the hour", action: hoursAction(`"HoursOfOperationId":"Paris office"`), setup: at("2024-07-02T07:30:00Z"), want: "open"},
		{name: "overnight Friday into Saturday", action: hoursAction(`"HoursOfOperationId":"h-paris"`), setup: at("2024-03-09T00:30:00Z"), want: "open"},
		{name: "holiday closed", action: hoursAction(`"HoursOfOperationId":"h-paris"`), setup: at("2024-12-24T10:00:00Z"), want: "closed"},
		{name: "the working queue's hours", action: hoursAction(``), setup: at("2024-03-05T10:00:00Z"), want: "open"},
		{name: "by ARN", action: hoursAction(`"HoursOfOperationId":"arn:aws:connect:r:1:instance/i/operating-hours/h-paris"`), setup: at("2024-03-05T10:00:00Z"), want: "open"},
		{name: "no queue and no hours", action: hoursAction(``), want: "nme"},
		{name: "unknown hours", action: hoursAction(`"HoursOfOperationId":"nope"`), want: "nme"},
	})
}

func metricAction(typ string) string {
	return `{"Identifier":"a","Type":"CheckMetricData","Parameters":{"MetricType":"` + typ + `","QueueId":"q"},"Transitions":{"NextAction":"nme","Conditions":[{"NextAction":"yes","Condition":{"Operator":"NumberGreaterThan","Operands":["0"]}}],"Errors":[{"NextAction":"nmc","ErrorType":"NoMatchingCondition"},{"NextAction":"nme","ErrorType":"NoMatchingError"}]}}`
}

func TestMetricActions(t *testing.T) {
	withQueue := func(m QueueMetrics) func(*harness, *Contact) {
		return func(h *harness, _ *Contact) {
			h.mem.AddQueue(core.Queue{Meta: core.Meta{ID: "q"}, Name: "Q"})
			h.metrics.Set("q", m)
		}
	}
	runActionCases(t, []actionCase{
		{name: "staffed", action: metricAction("NumberOfAgentsStaffed"), setup: withQueue(QueueMetrics{AgentsStaffed: 2}), want: "yes"},
		{name: "nobody staffed", action: metricAction("NumberOfAgentsStaffed"), setup: withQueue(QueueMetrics{}), want: "nmc"},
		{name: "available", action: metricAction("NumberOfAgentsAvailable"), setup: withQueue(QueueMetrics{AgentsAvailable: 1}), want: "yes"},
		{name: "online", action: metricAction("NumberOfAgentsOnline"), setup: withQueue(QueueMetrics{AgentsOnline: 1}), want: "yes"},
		{name: "oldest contact", action: metricAction("OldestContactInQueueAgeSeconds"), setup: withQueue(QueueMetrics{OldestContactAge: 90 * time.Second}), want: "yes",
			check: func(t *testing.T, r *Result, _ *Contact, _ *harness) {
				if r.Steps[0].Result != "90" {
					t.Errorf("result %q", r.Steps[0].Result)
				}
			}},
		{name: "contacts in queue", action: metricAction("NumberOfContactsInQueue"), setup: withQueue(QueueMetrics{ContactsInQueue: 3}), want: "yes"},
		{name: "unknown queue", action: metricAction("NumberOfContactsInQueue"), want: "nme"},
		{name: "get metric data", action: `{"Identifier":"a","Type":"GetMetricData","Parameters":{"QueueId":"q"},` + okOrErr + `}`,
			setup: withQueue(QueueMetrics{ContactsInQueue: 4, OldestContactAge: time.Minute, AgentsOnline: 3, AgentsAvailable: 1}), want: "next",
			check: func(t *testing.T, _ *Result, c *Contact, _ *harness) {
				for path, want := range map[string]string{"$.Metrics.Queue.Size": "4", "$.Metrics.Queue.OldestContactAge": "60",
					"$.Metrics.Agents.Online.Count": "3", "$.Metrics.Agents.Available.Count": "1", "$.Metrics.Queue.Name": "Q"} {
					v, _ := c.Lookup(mustPath(path))
					if s := fmt.Sprint(v); s != want {
						t.Errorf("%s = %q, want %q", path, s, want)
					}
				}
			}},
		{name: "get metric data of the working queue", action: `{"Identifier":"a","Type":"GetMetricData","Parameters":{},` + okOrErr + `}`,
			setup: func(h *harness, c *Contact) {
				withQueue(QueueMetrics{ContactsInQueue: 1})(h, c)
				c.Queue = &QueueTarget{ID: "q", Name: "Q", Queue: &core.Queue{Meta: core.Meta{ID: "q"}}}
			}, want: "next"},
		{name: "get metric data without a queue", action: `{"Identifier":"a","Type":"GetMetricData","Parameters":{},` + okOrErr + `}`, want: "nme"},
	})
	h := newHarness()
	h.noMetr = true
	h.mem.AddQueue(core.Queue{Meta: core.Meta{ID: "q"}, Name: "Q"})
	if r := h.run(t, single(t, metricAction("NumberOfAgentsStaffed")), nil, NewScript()); landed(r) != "nme" {
		t.Errorf("without metrics: landed on %q", landed(r))
	}
}

func waitAction(events string) string {
	return `{"Identifier":"a","Type":"Wait","Parameters":{"TimeLimitSeconds":"$.Attributes.wait","Events":[` + events + `]},"Transitions":{"NextAction":"nme","Conditions":[{"NextAction":"done","Condition":{"Operator":"Equals","Operands":["WaitCompleted"]}},{"NextAction":"back","Condition":{"Operator":"Equals","Operands":["CustomerReturned"]}}],"Errors":[{"NextAction":"gone","ErrorType":"ParticipantNotFound"},{"NextAction":"nme","ErrorType":"NoMatchingError"}]}}`
}

type goneParticipant struct{ ScriptedParticipant }

func (*goneParticipant) Wait(context.Context, WaitRequest) (string, error) {
	return "", ErrParticipantNotFound
}

func TestWaitBranches(t *testing.T) {
	wait := func(_ *harness, c *Contact) { c.Attributes["wait"] = "900" }
	runActionCases(t, []actionCase{
		{name: "completed", action: waitAction(`"CustomerReturned"`), setup: wait, want: "done"},
		{name: "customer returned", action: waitAction(`"CustomerReturned"`), setup: wait, inputs: []string{"CustomerReturned"}, want: "back"},
		{name: "participant gone", action: waitAction(``), setup: wait, p: &goneParticipant{}, want: "gone"},
		{name: "bad time limit", action: waitAction(``), want: "nme"},
	})
}

func TestDistributeByPercentage(t *testing.T) {
	action := `{"Identifier":"a","Type":"DistributeByPercentage","Parameters":{},"Transitions":{"Conditions":[{"NextAction":"first","Condition":{"Operator":"NumberLessThan","Operands":["21"]}},{"NextAction":"second","Condition":{"Operator":"NumberLessThan","Operands":["61"]}}],"Errors":[{"NextAction":"rest","ErrorType":"NoMatchingCondition"}]}}`
	for draw, want := range map[int]string{0: "first", 19: "first", 20: "second", 59: "second", 60: "rest", 99: "rest"} {
		h := newHarness()
		h.rand = fixedRand(draw)
		if r := h.run(t, single(t, action), nil, NewScript()); landed(r) != want {
			t.Errorf("draw %d (value %d): landed on %q, want %q", draw, draw+1, landed(r), want)
		}
	}
}

func TestContactSettingActions(t *testing.T) {
	runActionCases(t, []actionCase{
		{name: "recording and analytics", action: `{"Identifier":"a","Type":"UpdateContactRecordingBehavior","Parameters":{"RecordingBehavior":{"RecordedParticipants":["Agent","Customer"],"IVRRecordingBehavior":"Enabled"},"AnalyticsBehavior":{"Enabled":"True","AnalyticsMode":"RealTime","AnalyticsLanguage":"en-US","AnalyticsRedactionBehavior":"Enabled","AnalyticsRedactionResults":"Redacted"}},"Transitions":{"NextAction":"next"}}`,
			want: "next",
			check: func(t *testing.T, _ *Result, c *Contact, _ *harness) {
				if c.Recording != (Recording{Agent: true, Customer: true, IVR: true}) ||
					c.Analytics != (Analytics{Enabled: true, Mode: "RealTime", Language: "en-US", Redaction: true, RedactionResults: "Redacted"}) {
					t.Errorf("recording %+v analytics %+v", c.Recording, c.Analytics)
				}
			}},
		{name: "event hooks", action: `{"Identifier":"a","Type":"UpdateContactEventHooks","Parameters":{"EventHooks":{"CustomerQueue":"arn:aws:connect:r:1:instance/i/contact-flow/f-queue"},"EventHooksConfiguration":{"CustomerQueue":{"DisableExecution":"True"}}},` + okOrErr + `}`,
			setup: func(h *harness, _ *Contact) { h.mem.AddFlow("f-queue", "Queue music", nil) }, want: "next",
			check: func(t *testing.T, _ *Result, c *Contact, _ *harness) {
				if h := c.EventHooks["CustomerQueue"]; h.FlowID != "f-queue" || h.FlowName != "Queue music" || !h.Disabled {
					t.Errorf("hooks %+v", c.EventHooks)
				}
			}},
		{name: "event hook to an unknown flow", action: `{"Identifier":"a","Type":"UpdateContactEventHooks","Parameters":{"EventHooks":{"CustomerHold":"nope"}},` + okOrErr + `}`, want: "nme"},
		{name: "voice", action: `{"Identifier":"a","Type":"UpdateContactTextToSpeechVoice","Parameters":{"TextToSpeechVoice":"Joanna","TextToSpeechEngine":"Neural","TextToSpeechStyle":"Conversational"},"Transitions":{"NextAction":"say"}}`,
			more: `{"Identifier":"say","Type":"MessageParticipant","Parameters":{"Text":"hi"},"Transitions":{"NextAction":"next"}}`,
			want: "next",
			check: func(t *testing.T, r *Result, c *Contact, _ *harness) {
				if c.Voice != (Voice{Name: "Joanna", Engine: "Neural", Style: "Conversational", Language: "en-US"}) {
					t.Errorf("voice %+v", c.Voice)
				}
			}},
		{name: "language", action: `{"Identifier":"a","Type":"UpdateContactData","Parameters":{"LanguageCode":"fr-FR","CustomerId":"$.Attributes.cust","IsVoiceIdStreamingEnabled":"True"},` + okOrErr + `}`,
			setup: func(_ *harness, c *Contact) { c.Attributes["cust"] = "cust-7" }, want: "next",
			check: func(t *testing.T, _ *Result, c *Contact, _ *harness) {
				if c.Voice.Language != "fr-FR" || c.CustomerID != "cust-7" || c.VoiceID["IsVoiceIdStreamingEnabled"] != "True" {
					t.Errorf("contact %+v", c)
				}
				if v, _ := c.Lookup(mustPath("$.LanguageCode")); v != "fr-FR" {
					t.Errorf("$.LanguageCode = %v", v)
				}
			}},
		{name: "bad language", action: `{"Identifier":"a","Type":"UpdateContactData","Parameters":{"LanguageCode":"$.Attributes.nothing"},` + okOrErr + `}`, want: "nme"},
		{name: "routing priority and age", action: `{"Identifier":"a","Type":"UpdateContactRoutingBehavior","Parameters":{"QueuePriority":"2","QueueTimeAdjustmentSeconds":"-30"},"Transitions":{"NextAction":"next"}}`, want: "next",
			check: func(t *testing.T, _ *Result, c *Contact, _ *harness) {
				if c.Routing.Priority != 2 || c.Routing.TimeAdjustment != -30*time.Second {
					t.Errorf("routing %+v", c.Routing)
				}
			}},
		{name: "bad priority is ignored", action: `{"Identifier":"a","Type":"UpdateContactRoutingBehavior","Parameters":{"QueuePriority":"$.Attributes.none"},"Transitions":{"NextAction":"next"}}`, want: "next",
			check: func(t *testing.T, _ *Result, c *Contact, h *harness) {
				if c.Routing.Priority != 0 || !strings.Contains(h.logs.String(), "QueuePriority ignored") {
					t.Errorf("routing %+v logs %s", c.Routing, h.logs)
				}
			}},
		{name: "routing criteria", action: `{"Identifier":"a","Type":"UpdateContactRoutingCriteria","Parameters":{"RoutingCriteria":{"Steps":[]}},` + okOrErr + `}`, want: "next",
			check: func(t *testing.T, _ *Result, c *Contact, _ *harness) {
				if c.Routing.Criteria == nil {
					t.Error("criteria not kept")
				}
			}},
		{name: "media streaming", action: `{"Identifier":"a","Type":"UpdateContactMediaStreamingBehavior","Parameters":{"MediaStreamingState":"Enabled","MediaStreamType":"Audio","Participants":[{"ParticipantType":"Customer","MediaDirections":["From"]}]},` + okOrErr + `}`, want: "next",
			check: func(t *testing.T, _ *Result, c *Contact, _ *harness) {
				if !c.MediaStreaming.Enabled || len(c.MediaStreaming.Participants["Customer"]) != 1 {
					t.Errorf("streaming %+v", c.MediaStreaming)
				}
			}},
		{name: "tags", action: `{"Identifier":"a","Type":"TagContact","Parameters":{"Tags":{"function":"vmx3","caller":"$.CustomerEndpoint.Address"}},"Transitions":{"NextAction":"untag","Errors":[{"NextAction":"nme","ErrorType":"NoMatchingError"}]}}`,
			more: `{"Identifier":"untag","Type":"UnTagContact","Parameters":{"TagKeys":["function"]},` + okOrErr + `}`, want: "next",
			check: func(t *testing.T, _ *Result, c *Contact, _ *harness) {
				if len(c.Tags) != 1 || c.Tags["caller"] != "+15551230001" {
					t.Errorf("tags %v", c.Tags)
				}
			}},
		{name: "reserved tag", action: `{"Identifier":"a","Type":"TagContact","Parameters":{"Tags":{"aws:x":"y"}},` + okOrErr + `}`, want: "nme"},
		{name: "callback number", action: `{"Identifier":"a","Type":"UpdateContactCallbackNumber","Parameters":{"CallbackNumber":"$.StoredCustomerInput"},"Transitions":{"NextAction":"next","Errors":[{"NextAction":"invalid","ErrorType":"InvalidCallbackNumber"},{"NextAction":"nme","ErrorType":"NoMatchingError"}]}}`,
			setup: func(_ *harness, c *Contact) { c.StoredCustomerInput = "+442079460000" }, want: "next",
			check: func(t *testing.T, _ *Result, c *Contact, _ *harness) {
				if c.CallbackNumber != "+442079460000" {
					t.Errorf("callback number %q", c.CallbackNumber)
				}
			}},
		{name: "invalid callback number", action: `{"Identifier":"a","Type":"UpdateContactCallbackNumber","Parameters":{"CallbackNumber":"$.StoredCustomerInput"},"Transitions":{"NextAction":"next","Errors":[{"NextAction":"invalid","ErrorType":"InvalidCallbackNumber"},{"NextAction":"nme","ErrorType":"NoMatchingError"}]}}`,
			setup: func(_ *harness, c *Contact) { c.StoredCustomerInput = "123" }, want: "invalid"},
		{name: "callback", action: `{"Identifier":"a","Type":"CreateCallbackContact","Parameters":{"QueueId":"cb","InitialCallDelaySeconds":"60","MaximumConnectionAttempts":"3","RetryDelaySeconds":"120"},` + okOrErr + `}`,
			setup: func(h *harness, _ *Contact) { h.mem.AddQueue(core.Queue{Meta: core.Meta{ID: "cb"}, Name: "Callbacks"}) }, want: "next",
			check: func(t *testing.T, r *Result, _ *Contact, _ *harness) {
				if len(r.Callbacks) != 1 {
					t.Fatalf("callbacks %+v", r.Callbacks)
				}
				cb := r.Callbacks[0]
				if cb.Number != "+15551230001" || cb.Queue.ID != "cb" || cb.InitialDelay != time.Minute || cb.MaxAttempts != 3 || cb.RetryDelay != 2*time.Minute {
					t.Errorf("callback %+v", cb)
				}
			}},
		{name: "callback without a queue", action: `{"Identifier":"a","Type":"CreateCallbackContact","Parameters":{},` + okOrErr + `}`, want: "nme"},
		{name: "logging on", action: `{"Identifier":"a","Type":"UpdateFlowLoggingBehavior","Parameters":{"FlowLoggingBehavior":"Enabled"},"Transitions":{"NextAction":"next"}}`, want: "next",
			check: func(t *testing.T, _ *Result, c *Contact, h *harness) {
				if !c.FlowLogging || !strings.Contains(h.logs.String(), `"msg":"flow action"`) {
					t.Errorf("no flow log: %s", h.logs)
				}
			}},
	})
}

func TestMessagesCarryTheContactVoice(t *testing.T) {
	h := newHarness()
	p := NewScript()
	f := single(t, `{"Identifier":"a","Type":"UpdateContactTextToSpeechVoice","Parameters":{"TextToSpeechVoice":"$.Attributes.voice"},"Transitions":{"NextAction":"say"}}`,
		`{"Identifier":"say","Type":"MessageParticipant","Parameters":{"Text":"hi"},"Transitions":{"NextAction":"next"}}`)
	c := testContact(ChannelVoice)
	c.Attributes["voice"] = "Lea"
	h.run(t, f, c, p)
	if got := p.Played(); len(got) != 1 || got[0].Voice != (Voice{Name: "Lea", Language: "en-US"}) {
		t.Errorf("played %+v", got)
	}
}

func TestUnsupportedActionsTakeTheErrorBranch(t *testing.T) {
	for _, typ := range Unsupported {
		t.Run(typ, func(t *testing.T) {
			h := newHarness()
			r := h.run(t, single(t, `{"Identifier":"a","Type":"`+typ+`","Parameters":{},`+okOrErr+`}`), nil, NewScript())
			if landed(r) != "nme" || !strings.Contains(r.Steps[0].Cause, "not supported") {
				t.Errorf("landed on %q, step %+v", landed(r), r.Steps[0])
			}
			if !strings.Contains(h.logs.String(), "not supported") {
				t.Errorf("not logged: %s", h.logs)
			}
		})
	}
}

func TestEveryCatalogueTypeHasAHandlerOrIsDeclaredNotRunYet(t *testing.T) {
	for _, typ := range flow.ActionTypes() {
		spec, _ := flow.LookupAction(typ)
		if _, ok := handlers[typ]; !ok {
			t.Errorf("%s is in the catalogue but the engine has no handler for it", typ)
		}
		if spec.NotRunYet == "" && slices.Contains(Unsupported, typ) {
			t.Errorf("%s takes its error branch but the catalogue does not say so", typ)
		}
	}
	if len(Unsupported) != 12 {
		t.Errorf("Unsupported = %v; update the docs (docs/flows.md) when this list changes", Unsupported)
	}
}

func TestValidatorWarnsAboutActionsNotCarriedOutYet(t *testing.T) {
	f, err := flow.Parse([]byte(`{"Version":"2019-10-30","StartAction":"v","Actions":[
	  {"Identifier":"v","Type":"CheckVoiceId","Parameters":{"CheckVoiceId":{"AuthenticationResultStatus":"Authenticated"}},
	   "Transitions":{"NextAction":"d","Errors":[{"NextAction":"d","ErrorType":"NoMatchingError"}]}},
	  {"Identifier":"d","Type":"DisconnectParticipant","Parameters":{},"Transitions":{}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, p := range flow.Validate(f, "voiceid").Warnings() {
		if p.Action == "v" && strings.Contains(p.Message, "not carried out yet") {
			found = true
		}
	}
	if !found {
		t.Errorf("no warning for CheckVoiceId: %v", flow.Validate(f, "voiceid"))
	}
}
