package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

func load(t *testing.T, args []string, env map[string]string) (Config, error) {
	t.Helper()
	c := Default()
	fs := pflag.NewFlagSet("serve", pflag.ContinueOnError)
	c.Bind(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	err := c.Load(fs, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	return c, err
}

func TestPrecedenceFlagsOverEnvOverFileOverDefaults(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "sb.yaml")
	os.WriteFile(file, []byte("http: 127.0.0.1:7000\nlog-level: debug\nnats-prefix: fromfile\nshutdown-timeout: 5s\n"), 0o600)
	c, err := load(t, []string{"--config", file, "--http", "127.0.0.1:9000"},
		map[string]string{"SWITCHBOARD_HTTP": "127.0.0.1:8000", "SWITCHBOARD_LOG_LEVEL": "warn", "SWITCHBOARD_ADMIN_TOKEN": " sbk_x "})
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTPAddr != "127.0.0.1:9000" {
		t.Errorf("http = %s, want the flag's value", c.HTTPAddr)
	}
	if c.LogLevel != "warn" {
		t.Errorf("log-level = %s, want env's value over the file", c.LogLevel)
	}
	if c.NATSPrefix != "fromfile" || c.ShutdownTimeout != 5*time.Second {
		t.Errorf("file values not applied: %+v", c)
	}
	if c.DataDir != "./data" {
		t.Errorf("default data dir lost: %s", c.DataDir)
	}
	if c.AdminToken != "sbk_x" {
		t.Errorf("admin token = %q", c.AdminToken)
	}
}

func TestUnknownYAMLKeyRejected(t *testing.T) {
	file := filepath.Join(t.TempDir(), "sb.yaml")
	os.WriteFile(file, []byte("htp: 127.0.0.1:7000\n"), 0o600)
	_, err := load(t, []string{"--config", file}, nil)
	if err == nil || !strings.Contains(err.Error(), "htp") {
		t.Fatalf("got %v, want an error naming the unknown key", err)
	}
}

func TestValidationNamesTheSetting(t *testing.T) {
	cases := map[string][]string{
		"--http":              {"--http", "nonsense"},
		"--database-url":      {"--database-url", "mysql://x"},
		"--log-level":         {"--log-level", "loud"},
		"--nats-prefix":       {"--nats-prefix", "a.b"},
		"--nats-replicas":     {"--nats-replicas", "2"},
		"--widget-chat-rate":  {"--widget-chat-rate", "-1"},
		"--widget-chat-burst": {"--widget-chat-burst", "0"},
	}
	for want, args := range cases {
		_, err := load(t, args, nil)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%v: got %v, want error naming %s", args, err, want)
		}
	}
	_, err := load(t, nil, map[string]string{"SWITCHBOARD_NATS_REPLICAS": "three"})
	if err == nil || !strings.Contains(err.Error(), "SWITCHBOARD_NATS_REPLICAS") {
		t.Errorf("bad env value: got %v", err)
	}
}

func TestEveryFlagIsDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/configuration.md")
	if err != nil {
		t.Fatalf("docs/configuration.md: %v", err)
	}
	c := Default()
	fs := pflag.NewFlagSet("serve", pflag.ContinueOnError)
	c.Bind(fs)
	fs.VisitAll(func(f *pflag.Flag) {
		if !strings.Contains(string(doc), "--"+f.Name) || !strings.Contains(string(doc), EnvName(f.Name)) {
			t.Errorf("docs/configuration.md does not document --%s / %s", f.Name, EnvName(f.Name))
		}
	})
}

func TestValidationNamesTheEnvironmentVariableThatSetTheBadValue(t *testing.T) {
	_, err := load(t, nil, map[string]string{"SWITCHBOARD_LOG_LEVEL": "loud"})
	if err == nil || !strings.Contains(err.Error(), "--log-level (set by SWITCHBOARD_LOG_LEVEL)") {
		t.Errorf("got %v, want an error naming SWITCHBOARD_LOG_LEVEL", err)
	}
}

func TestWidgetChatRateDefaultsToTenAMinuteAndZeroDisablesIt(t *testing.T) {
	c, err := load(t, nil, nil)
	if err != nil || c.WidgetChatRate != 10 || c.WidgetChatBurst != 5 {
		t.Fatalf("defaults: rate %v, burst %d, %v", c.WidgetChatRate, c.WidgetChatBurst, err)
	}
	c, err = load(t, []string{"--widget-chat-rate", "0"}, map[string]string{"SWITCHBOARD_WIDGET_CHAT_BURST": "20"})
	if err != nil || c.WidgetChatRate != 0 || c.WidgetChatBurst != 20 {
		t.Fatalf("rate %v, burst %d, %v; want 0 (no limit) and the environment's 20", c.WidgetChatRate, c.WidgetChatBurst, err)
	}
}
