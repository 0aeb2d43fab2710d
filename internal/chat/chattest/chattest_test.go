package chattest_test

import (
	"testing"

	"github.com/switchboard-cc/switchboard/internal/chat"
	"github.com/switchboard-cc/switchboard/internal/chat/chattest"
)

func TestMemoryBackend(t *testing.T) {
	chattest.TestBackend(t, func(*testing.T) chat.Backend { return chat.NewMemoryBackend() })
}
