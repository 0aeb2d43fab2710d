package voicepeer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// BaresipBin is the baresip binary RunBaresip runs.
var BaresipBin = "baresip"

// BaresipModulePath is where Debian installs baresip's modules.
var BaresipModulePath = "/usr/lib/baresip/modules"

// BaresipOptions configures one headless baresip call.
type BaresipOptions struct {
	// Dial is the SIP URI to call, e.g. "sip:+15550100@127.0.0.1:5090".
	Dial string
	// Duration is baresip's -t: it quits after that long (rounded up to
	// whole seconds, at least 1), sending BYE if the call is up. Default 5 s.
	Duration time.Duration
	// ToneHz is the frequency of the sine baresip sends (ausine). Default 440.
	ToneHz int
	// LocalIP is the address baresip binds for SIP and RTP. Default 127.0.0.1.
	LocalIP string
	// SIPPort is baresip's local SIP port (UDP and TCP); 0 picks a free one.
	SIPPort int
	// RTPPorts is baresip's RTP port range ("MIN-MAX"); empty picks four
	// free ports.
	RTPPorts string
	// From is the account's user part (default "tester"): the caller's ANI
	// is sip:FROM@LocalIP.
	From string
	// Timeout kills baresip if it is still running this long after
	// Duration (default 10 s).
	Timeout time.Duration
}

// BaresipResult is what one baresip call produced.
type BaresipResult struct {
	// HeardWAV is the path of the dump-*-dec.wav the sndfile module wrote:
	// what the caller heard (PCM16 mono at the decoder's rate, 8000 Hz for
	// G.711). Empty if no call was established (no decoder started).
	HeardWAV string
	// SentWAV is the dump-*-enc.wav: what the caller sent (the sine).
	SentWAV string
	// Log is baresip's output (stdout and stderr), with the call's SIP
	// progress ("SIP Progress: 180 Ringing", "Call established", "Call
	// with ... terminated", "call: ... 486 Busy Here", ...).
	Log string
	// ExitCode is baresip's exit status (0 after -t), -1 if it was killed.
	ExitCode int
	// Dir is the config directory (config, accounts, the WAV dumps).
	Dir string
	// Err is set when baresip could not be run.
	Err error
}

// Established reports whether the log shows an established call.
func (r BaresipResult) Established() bool {
	return strings.Contains(r.Log, "Call established")
}

// Report formats the result for a failing test.
func (r BaresipResult) Report() string {
	return fmt.Sprintf("baresip exit=%d err=%v heard=%q dir=%s\n--- log ---\n%s", r.ExitCode, r.Err, r.HeardWAV, r.Dir, r.Log)
}

// baresipConfig is the headless configuration checked on this machine
// (docs/voice-plan.md §2.6): no audio device (the alsa player fails over
// to null), a sine source (ausine only accepts 48 kHz stereo), G.711, the
// sndfile module dumping both directions to snd_path, and no stdio.so
// (it needs a TTY).
const baresipConfig = `poll_method		epoll
sip_listen		{{ip}}:{{port}}
audio_player		alsa,null
audio_alert		alsa,null
audio_source		ausine,{{hz}}
ausrc_srate		48000
ausrc_channels		2
rtp_ports		{{rtp}}
module_path		{{modules}}
module			g711.so
module			ausine.so
module			alsa.so
module			sndfile.so
module_app		account.so
module_app		menu.so
snd_path		{{dir}}
`

// RunBaresip places one call with baresip (-e "/dial URI" -t SECONDS),
// waits for it to quit, and returns the log and the WAV it recorded. It
// does not fail the test: check HeardWAV, Established and ExitCode.
func RunBaresip(ctx context.Context, t testing.TB, o BaresipOptions) BaresipResult {
	t.Helper()
	return runBaresip(ctx, t, o, "")
}

// renderConfig fills in the unset addresses (127.0.0.1, a free SIP port,
// four free RTP ports) and returns baresipConfig for a run in dir.
func renderConfig(t testing.TB, dir string, ip *string, sipPort *int, rtpPorts *string, hz int) string {
	t.Helper()
	if *ip == "" {
		*ip = "127.0.0.1"
	}
	if *sipPort == 0 {
		*sipPort = FreeSIPPort(t, *ip)
	}
	if *rtpPorts == "" {
		p := FreeRTPPort(t, *ip)
		*rtpPorts = fmt.Sprintf("%d-%d", p, p+3)
	}
	return strings.NewReplacer(
		"{{ip}}", *ip,
		"{{port}}", strconv.Itoa(*sipPort),
		"{{hz}}", strconv.Itoa(hz),
		"{{rtp}}", *rtpPorts,
		"{{modules}}", BaresipModulePath,
		"{{dir}}", dir,
	).Replace(baresipConfig)
}

// runBaresip runs one call with extra config lines, and with baresip's
// SIP trace (-s) in the log: each message with its transport and
// addresses ("TLS 127.0.0.1:A -> 127.0.0.1:B").
func runBaresip(ctx context.Context, t testing.TB, o BaresipOptions, extraConfig string) BaresipResult {
	t.Helper()
	if o.Duration <= 0 {
		o.Duration = 5 * time.Second
	}
	if o.ToneHz == 0 {
		o.ToneHz = 440
	}
	if o.From == "" {
		o.From = "tester"
	}
	if o.Timeout == 0 {
		o.Timeout = 10 * time.Second
	}
	dir := t.TempDir()
	res := BaresipResult{Dir: dir, ExitCode: -1}
	cfg := renderConfig(t, dir, &o.LocalIP, &o.SIPPort, &o.RTPPorts, o.ToneHz) + extraConfig
	accounts := fmt.Sprintf("<sip:%s@%s>;regint=0\n", o.From, o.LocalIP)
	for name, body := range map[string]string{"config": cfg, "accounts": accounts, "contacts": ""} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			res.Err = err
			return res
		}
	}
	secs := int((o.Duration + time.Second - 1) / time.Second)
	cctx, cancel := context.WithTimeout(ctx, o.Duration+o.Timeout)
	defer cancel()
	cmd := exec.CommandContext(cctx, BaresipBin, "-f", dir, "-s", "-e", "/dial "+o.Dial, "-t", strconv.Itoa(secs))
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	cmd.WaitDelay = 2 * time.Second
	err := cmd.Run()
	res.Log = out.String()
	var ee *exec.ExitError
	switch {
	case err == nil:
		res.ExitCode = 0
	case errors.As(err, &ee):
		res.ExitCode = ee.ExitCode()
	default:
		res.Err = err
	}
	res.HeardWAV = newest(filepath.Join(dir, "dump-*-dec.wav"))
	res.SentWAV = newest(filepath.Join(dir, "dump-*-enc.wav"))
	return res
}

// newest returns the last file matching pattern in name order (the names
// carry a timestamp), or "".
func newest(pattern string) string {
	m, _ := filepath.Glob(pattern)
	if len(m) == 0 {
		return ""
	}
	sort.Strings(m)
	return m[len(m)-1]
}
