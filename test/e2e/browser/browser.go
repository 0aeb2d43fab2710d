// Package browser plays an agent in a real browser for the end-to-end
// tests: it runs test/browser/agent.mjs, which drives headless Chromium
// (playwright-core, Debian's /usr/bin/chromium) on Switchboard's test
// softphone page (internal/testphone, at /softphone/), with a fake
// microphone and real WebRTC.
//
// Start launches the driver; (*Agent).Do sends one JSON command (see the
// command list at the top of agent.mjs) and returns its JSON answer; Close
// quits. StartScript runs another driver of test/browser that speaks the
// same protocol (test/browser/driver.mjs), such as ccp-voice.mjs, which
// plays the agent on the web console's CCP instead of the test page.
// Nothing is skipped: without node, Chromium or test/browser's
// node_modules the test fails and says what to install (`make node-deps`).
// The page's console and the driver's log are kept and written to the test
// log when the test fails.
package browser

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"
)

// ChromiumPath is the browser the driver launches (agent.mjs reads it from
// CHROMIUM_PATH); the environment variable of that name overrides it.
var ChromiumPath = "/usr/bin/chromium"

// DefaultTimeout bounds a command that sets no timeoutMs; a command with a
// timeoutMs gets that plus CommandSlack.
const (
	DefaultTimeout = 30 * time.Second
	CommandSlack   = 10 * time.Second
	startTimeout   = 60 * time.Second
)

// Agent is one running driver: one Chromium with one softphone page.
type Agent struct {
	tb     testing.TB
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	lines  chan string // stdout, line by line; closed when the driver exits
	stderr *syncBuffer
	done   chan struct{}

	mu     sync.Mutex // serialises Do
	broken error      // set when a reply never came: the driver is out of step
	closed bool
}

// RepoRoot finds the module root (the directory with go.mod) from the
// working directory up, so tests in any package find test/browser.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("working directory: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

// Requirements checks what the driver needs and returns the node binary
// and the driver script, or an error saying what to install.
func Requirements() (node, script string, err error) {
	root, err := RepoRoot()
	if err != nil {
		return "", "", err
	}
	dir := filepath.Join(root, "test", "browser")
	node, err = exec.LookPath("node")
	if err != nil {
		return "", "", errors.New("node is not installed: the browser tests need Node.js >= 18 (apt-get install nodejs npm) and `make node-deps`")
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "playwright-core", "package.json")); err != nil {
		return "", "", fmt.Errorf("%s is missing: run `make node-deps` (npm ci --prefix test/browser)", filepath.Join(dir, "node_modules", "playwright-core"))
	}
	if _, err := os.Stat(chromium()); err != nil {
		return "", "", fmt.Errorf("chromium is not installed at %s: apt-get install chromium (or set CHROMIUM_PATH)", chromium())
	}
	return node, filepath.Join(dir, "agent.mjs"), nil
}

func chromium() string {
	if p := os.Getenv("CHROMIUM_PATH"); p != "" {
		return p
	}
	return ChromiumPath
}

// Start launches Chromium on pageURL (e.g. SERVER/softphone/?instance=demo)
// and waits for the page to load. The driver is closed when the test ends.
func Start(tb testing.TB, pageURL string) *Agent {
	tb.Helper()
	return start(tb, pageURL, "")
}

// StartWithAudio is Start with the fake microphone playing audioFile (a
// WAV file, looped) instead of Chromium's beep, so that a test can
// recognise the agent's audio where it arrives.
func StartWithAudio(tb testing.TB, pageURL, audioFile string) *Agent {
	tb.Helper()
	return start(tb, pageURL, audioFile)
}

// StartScript is StartWithAudio with the driver script (a file of
// test/browser, e.g. "ccp-voice.mjs") instead of agent.mjs; audioFile may
// be empty (Chromium's beep).
func StartScript(tb testing.TB, script, pageURL, audioFile string) *Agent {
	tb.Helper()
	return startScript(tb, script, pageURL, audioFile)
}

func start(tb testing.TB, pageURL, audioFile string) *Agent {
	tb.Helper()
	return startScript(tb, "", pageURL, audioFile)
}

// startScript starts the driver script (agent.mjs when empty).
func startScript(tb testing.TB, name, pageURL, audioFile string) *Agent {
	tb.Helper()
	node, script, err := Requirements()
	if err != nil {
		tb.Fatal(err)
	}
	if name != "" {
		script = filepath.Join(filepath.Dir(script), name)
		if _, err := os.Stat(script); err != nil {
			tb.Fatalf("browser driver: %v", err)
		}
	}
	a := &Agent{tb: tb, lines: make(chan string, 64), stderr: &syncBuffer{}, done: make(chan struct{})}
	a.cmd = exec.Command(node, script, pageURL)
	a.cmd.Dir = filepath.Dir(script)
	a.cmd.Env = append(os.Environ(), "CHROMIUM_PATH="+chromium(), "FAKE_AUDIO_FILE="+audioFile)
	a.cmd.Stderr = a.stderr
	// Its own process group, so that a hung driver is killed with the
	// Chromium it started.
	a.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if a.stdin, err = a.cmd.StdinPipe(); err != nil {
		tb.Fatal(err)
	}
	stdout, err := a.cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := a.cmd.Start(); err != nil {
		tb.Fatalf("start %s: %v", script, err)
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 64<<10), 16<<20) // state snapshots carry the event log
		for sc.Scan() {
			a.lines <- sc.Text()
		}
		close(a.lines)
	}()
	go func() {
		_ = a.cmd.Wait()
		close(a.done)
	}()
	tb.Cleanup(func() {
		a.Close()
		if tb.Failed() {
			tb.Logf("--- browser driver log (%s, page console) ---\n%s", filepath.Base(script), lastChars(a.stderr.String(), 20000))
		}
	})
	ready, err := a.read(startTimeout)
	if err != nil {
		tb.Fatalf("the browser driver did not start: %v\n%s", err, lastChars(a.stderr.String(), 4000))
	}
	if ok, _ := ready["ok"].(bool); !ok {
		tb.Fatalf("the browser driver did not start: %v\n%s", ready["error"], lastChars(a.stderr.String(), 4000))
	}
	return a
}

// Do sends one command and returns the driver's answer. A command the
// driver or the page refused ({"ok":false}) is an error carrying the
// driver's message, and the answer is still returned. A command with
// "timeoutMs" may take that long plus CommandSlack; others DefaultTimeout.
// After a reply that never came the Agent is unusable (every Do fails).
func (a *Agent) Do(cmd map[string]any) (map[string]any, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.broken != nil {
		return nil, a.broken
	}
	if a.closed {
		return nil, errors.New("browser: the driver is closed")
	}
	b, err := json.Marshal(cmd)
	if err != nil {
		return nil, fmt.Errorf("browser: encode command: %w", err)
	}
	timeout := DefaultTimeout
	if ms, ok := cmd["timeoutMs"].(int); ok && ms > 0 {
		timeout = time.Duration(ms)*time.Millisecond + CommandSlack
	} else if ms, ok := cmd["timeoutMs"].(float64); ok && ms > 0 {
		timeout = time.Duration(ms)*time.Millisecond + CommandSlack
	}
	if _, err := a.stdin.Write(append(b, '\n')); err != nil {
		a.broken = fmt.Errorf("browser: send %s: %w", cmd["cmd"], err)
		return nil, a.broken
	}
	res, err := a.read(timeout)
	if err != nil {
		a.broken = fmt.Errorf("browser: %s: %w", cmd["cmd"], err)
		return nil, a.broken
	}
	if ok, _ := res["ok"].(bool); !ok {
		return res, fmt.Errorf("browser: %s: %v", cmd["cmd"], res["error"])
	}
	return res, nil
}

// MustDo is Do that fails the test on an error.
func (a *Agent) MustDo(cmd map[string]any) map[string]any {
	a.tb.Helper()
	res, err := a.Do(cmd)
	if err != nil {
		a.tb.Fatal(err)
	}
	return res
}

// Log returns what the driver and the page's console wrote so far.
func (a *Agent) Log() string { return a.stderr.String() }

func (a *Agent) read(timeout time.Duration) (map[string]any, error) {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		select {
		case line, ok := <-a.lines:
			if !ok {
				return nil, errors.New("the driver exited")
			}
			var m map[string]any
			if err := json.Unmarshal([]byte(line), &m); err != nil {
				// Not ours (a library printing to stdout): keep it with the log.
				a.stderr.Write([]byte("stdout: " + line + "\n"))
				continue
			}
			return m, nil
		case <-timer.C:
			return nil, fmt.Errorf("no answer within %v", timeout)
		}
	}
}

// Close quits the driver (Chromium exits with it), killing it if it does
// not exit within 10 s. It is safe to call more than once.
func (a *Agent) Close() {
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		return
	}
	a.closed = true
	a.mu.Unlock()
	if a.broken == nil {
		_, _ = a.stdin.Write([]byte(`{"cmd":"quit"}` + "\n"))
	}
	_ = a.stdin.Close()
	select {
	case <-a.done:
	case <-time.After(10 * time.Second):
		_ = syscall.Kill(-a.cmd.Process.Pid, syscall.SIGKILL)
		<-a.done
	}
}

// syncBuffer collects the driver's stderr, written from exec's goroutine.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func lastChars(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}
