package speech

import (
	"context"
	"strings"
)

// Request is one thing to say.
type Request struct {
	Text string
	// SSML means Text is an SSML document (<speak>…</speak>).
	SSML bool
	// Voice is a flite voice name ("kal", "rms", "slt", "awb", "kal16") or
	// an Amazon Polly name ("Joanna", "Matthew"); "" means the engine's
	// default. See VoiceFor.
	Voice string
}

// TTS renders speech.
type TTS interface {
	// Synthesize returns r spoken as 8 kHz mono int16 PCM. Empty text gives
	// empty audio. Callers may modify the returned slice.
	Synthesize(ctx context.Context, r Request) ([]int16, error)
}

// MaxTextLen is the longest Request.Text, in bytes, that Synthesize accepts
// (longer gives ErrTextTooLong): about three minutes of speech.
const MaxTextLen = 3000

// fliteVoices are the flite voices VoiceFor passes through. awb_time is left
// out: it is a limited-domain voice that can only say the time.
var fliteVoices = map[string]bool{"kal": true, "kal16": true, "awb": true, "rms": true, "slt": true}

// pollyVoices maps Amazon Polly voice names (lower case) to flite voices:
// men to rms (a clear US male at 16 kHz), women to slt (the only female
// flite voice), the children's voices (Ivy, Justin, Kevin) by their gender.
// This is the one table; VoiceFor documents the rules around it.
var pollyVoices = map[string]string{
	// English (US)
	"joanna": "slt", "kendra": "slt", "kimberly": "slt", "salli": "slt", "ivy": "slt", "ruth": "slt", "danielle": "slt",
	"matthew": "rms", "joey": "rms", "justin": "rms", "kevin": "rms", "stephen": "rms", "gregory": "rms", "patrick": "rms",
	// English (GB, AU, IN, NZ, ZA, IE, Welsh)
	"amy": "slt", "emma": "slt", "olivia": "slt", "nicole": "slt", "raveena": "slt", "aditi": "slt", "kajal": "slt",
	"aria": "slt", "ayanda": "slt", "niamh": "slt", "gwyneth": "slt",
	"brian": "rms", "arthur": "rms", "russell": "rms", "geraint": "rms",
}

// VoiceFor returns the flite voice to use for name: a flite voice name
// ("kal", "kal16", "awb", "rms", "slt") passes through; an Amazon Polly name
// (any case; "Joanna", "Matthew", "Amy", "Brian", …, see pollyVoices) maps to
// "slt" for a female voice and "rms" for a male one; anything else,
// including "", returns def. Only these built-in names ever reach flite,
// whose -voice option also accepts file paths and URLs.
func VoiceFor(name, def string) string {
	n := strings.ToLower(strings.TrimSpace(name))
	if fliteVoices[n] {
		return n
	}
	if v, ok := pollyVoices[n]; ok {
		return v
	}
	return def
}
