package engine

import (
	"context"
	"testing"
)

func TestMatcherBot(t *testing.T) {
	bot := NewMatcherBot(BotDefinition{Intents: []Intent{
		{Name: "Transfer", Utterances: []string{"move {Amount} from {From} to {To}", "transfer money"},
			Slots: []Slot{
				{Name: "From", Values: []string{"checking=current account", "savings"}},
				{Name: "To", Values: []string{"checking=current account", "savings"}},
				{Name: "Amount", Values: []string{"ten=10", "twenty=20"}},
			}},
		{Name: "Agent", Utterances: []string{"speak to an agent", "talk to a person", "representative"}},
		{Name: "Yes"},
	}})
	cases := []struct {
		utterance, intent string
		slots             map[string]string
	}{
		{"Transfer money", "Transfer", map[string]string{}},
		{"move 20 from savings to current account", "Transfer", map[string]string{"Amount": "twenty", "From": "savings", "To": "checking"}},
		{"I'd like to speak to an agent please", "Agent", nil},
		{"REPRESENTATIVE!", "Agent", nil},
		{"yes", "Yes", nil},
		{"what's the weather", FallbackIntent, nil},
		{"", FallbackIntent, nil},
	}
	for _, tc := range cases {
		rec, err := bot.Recognize(context.Background(), BotRequest{Utterance: tc.utterance})
		if err != nil {
			t.Fatal(err)
		}
		if rec.IntentName != tc.intent {
			t.Errorf("%q: intent %q (%.2f), want %q", tc.utterance, rec.IntentName, rec.Confidence, tc.intent)
			continue
		}
		for k, v := range tc.slots {
			if rec.Slots[k] != v {
				t.Errorf("%q: slot %s = %q, want %q (slots %v)", tc.utterance, k, rec.Slots[k], v, rec.Slots)
			}
		}
	}
}

func TestEchoBot(t *testing.T) {
	for in, want := range map[string]string{" Sales ": "Sales", "": FallbackIntent} {
		rec, _ := EchoBot{}.Recognize(context.Background(), BotRequest{Utterance: in})
		if rec.IntentName != want {
			t.Errorf("%q: %q", in, rec.IntentName)
		}
	}
}

func TestValidatePhone(t *testing.T) {
	cases := []struct{ in, format, country, want string }{
		{"15551234567", "E164", "", "+15551234567"},
		{"+44 20 7946 0000", "E164", "", "+442079460000"},
		{"74951234567", "E164", "", "+74951234567"}, // no plan: digits and length only
		{"0123", "E164", "", ""},
		{"4420794600001234", "E164", "", ""},
		{"(555) 123-4567", "Local", "US", "+15551234567"},
		{"15551234567", "Local", "us", "+15551234567"},
		{"0612345678", "Local", "FR", "+33612345678"},
		{"612345678", "Local", "FR", "+33612345678"},
		{"+33612345678", "Local", "FR", "+33612345678"},
		{"12345", "Local", "FR", ""},
		{"5551234567", "Local", "XX", ""},
	}
	for _, tc := range cases {
		got, err := validatePhone(tc.in, tc.format, tc.country)
		if tc.want == "" {
			if err == nil {
				t.Errorf("%q %s %s: accepted as %q", tc.in, tc.format, tc.country, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%q %s %s = %q, %v; want %q", tc.in, tc.format, tc.country, got, err, tc.want)
		}
	}
}
