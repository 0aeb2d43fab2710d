// Package speech turns text into the audio a voice call plays, and a
// caller's speech into text.
//
// Both directions sit behind small interfaces so that engines can be swapped:
//
//   - TTS (text to speech) renders a Request (plain text or SSML, a voice
//     name) to 8 kHz mono int16 PCM, the format the voice channel plays.
//     Flite runs the Debian `flite` program (BSD-style licence) and caches
//     every clip on disk and in memory, so a prompt is rendered once.
//   - ASR (speech recognition) listens to 8 kHz frames against a small
//     Grammar (menu words, digits) and returns what it heard. The default
//     build has none (NoASR, which reports ErrUnavailable); building with
//     `-tags pocketsphinx` (cgo, Debian libpocketsphinx-dev and
//     pocketsphinx-en-us) selects a pocketsphinx decoder in DefaultASR.
//
// Flow voices are Amazon Polly names ("Joanna", "Matthew"); VoiceFor maps
// them to the flite voices in one table. Cloud engines (Polly, Transcribe,
// Google, Deepgram) can implement the same interfaces later.
package speech
