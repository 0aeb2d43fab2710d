// Package voicepeer drives real SIP peers (sipp, baresip) and raw SIP
// writers against a server address, for the voice end-to-end tests and the
// voice benchmarks. Nothing here is a mock: every helper runs the real tool
// as a child process, writes its logs into a t.TempDir(), and returns what
// it saw so a test can assert on it and print it on failure
// (SippResult.Report, RequireOK, BaresipResult.Report).
//
// # sipp
//
// RunSipp runs a scenario to completion; StartSipp starts one in the
// background (a stand-in UAS, or a caller held while the test does
// something else) and (*Sipp).Wait collects it ((*Sipp).WaitListening
// waits for a UAS to bind). A scenario file name without a slash
// ("cancel.xml") is looked up in test/e2e/sipp (ScenarioDir); a bare word
// ("uac", "uas", "uac_pcap") is a sipp built-in. Each run gets
// -trace_msg, -trace_err and -trace_stat files in a temp dir, -nostdin,
// sipp's -timeout with -timeout_error, and a hard kill 5 s later.
// SippResult has the exit code, the successful/failed counts from the
// statistics CSV, the error log and every SIP message (Responses and
// ReceivedRequests list what came in).
//
// sipp parses play_pcap_audio paths and response codes when it loads a
// scenario, so they cannot be -set variables: SippOptions.Replace edits
// the copy of the scenario sipp runs instead, and dtmf_pt96.xml plays the
// relative file dtmf_pt96.pcap that SippDir writes into sipp's working
// directory with PatchPCAPPayloadType.
//
// The scenarios (UAC: what a test runs against switchboard; UAS: the
// stand-in this package's tests run them against):
//
//	dtmf_branch.xml        PCMU/PCMA/101 offer, 200, ACK, 1.5 s, DTMF "1" (PT 101), expects the server's BYE (15 s)
//	dtmf_pt96.xml          the same with telephone-event on PT 96            (stand-in: uas_branch.xml)
//	uac_prompt_bench.xml   dtmf_branch for load (-r, -m)                     (stand-in: uas_branch.xml)
//	bye_in_prompt.xml      200, ACK, 500 ms, BYE, expects 200                (stand-in: uas_answer.xml)
//	reinvite_hold.xml      re-INVITE a=sendonly -> 200 must carry a=recvonly, then a=sendrecv, BYE (uas_answer.xml)
//	queue_hold_bench.xml   200, ACK, hold for -d ms, BYE                     (stand-in: uas_answer.xml)
//	cancel.xml             INVITE, 180 (required), 300 ms, CANCEL, 200 + 487, ACK (uas_cancel.xml)
//	unknown_404.xml        expects 404, ACK                                  (stand-in: uas_reject.xml)
//	forbidden_403.xml      expects 403, ACK (run with LocalIP 127.0.0.2)     (uas_reject.xml + Replace)
//	unavailable_480.xml    expects 480, ACK                                  (uas_reject.xml + Replace)
//	digest.xml             401 challenge, INVITE with [authentication] (-au/-ap), 200, BYE (uas_digest.xml)
//	digest_forbidden.xml   the same with a wrong password, expects 403       (stand-in: uas_digest.xml)
//	no_ack.xml             never ACKs the 200, expects the server's BYE (45 s) (stand-in: uas_noack.xml)
//	uas_play.xml           stand-in that answers and plays g711a.pcap (the baresip test)
//
// # baresip
//
// RunBaresip places one headless call (-e "/dial URI" -t SECONDS) with a
// sine as the microphone and the sndfile module dumping what the caller
// heard (BaresipResult.HeardWAV: PCM16 mono, 8000 Hz for G.711) and sent.
// ReadWAV, RMS and Channel read those files (and G.711 or stereo WAVs).
//
// # Malformed input
//
// SendUDP, SendTCP, ExchangeUDP and ExchangeTCP write raw payloads;
// Garbage, BadContentLength, MissingVia, MissingCSeq, InviteWithoutContact
// and Options build them (with ";rport" in the Via so a server answers the
// source port); StatusCode reads a reply's status.
package voicepeer
