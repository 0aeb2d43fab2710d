package core

import "strings"

// Prompt is a recorded audio file that flows play by ID or name. The audio is
// uploaded separately (PUT .../prompts/{id}/audio) and described by Audio.
type Prompt struct {
	Meta
	Name        string     `json:"name"`
	Description string     `json:"description,omitempty"`
	Audio       *AudioInfo `json:"audio,omitempty"`
}

// AudioInfo describes an uploaded WAV file.
type AudioInfo struct {
	ContentType string `json:"contentType"`
	Encoding    string `json:"encoding"` // PCM16, PCMU, PCMA
	SampleRate  int    `json:"sampleRate"`
	Channels    int    `json:"channels"`
	SizeBytes   int64  `json:"sizeBytes"`
	DurationMs  int64  `json:"durationMs"`
}

func (p *Prompt) ResourceName() string { return p.Name }
func (p *Prompt) Normalize()           { p.Name = strings.TrimSpace(p.Name) }

func (p *Prompt) Validate() error {
	var c checker
	c.name("name", p.Name, 127)
	c.maxLen("description", p.Description, 250)
	return c.err()
}

func (p *Prompt) References() []Ref { return nil }
