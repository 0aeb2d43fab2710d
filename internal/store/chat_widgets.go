package store

import (
	"context"

	"github.com/switchboard-cc/switchboard/internal/core"
)

// ChatWidgetByID returns the chat widget with the given ID in whichever
// instance holds it (Meta.InstanceID says which), with its security key
// filled in, or ErrNotFound. The public widget routes know a widget by its
// ID alone, which is unique across instances (a UUID, the primary key), so
// this is one indexed read. It is for internal use only: the security key
// must never reach a client.
func (s *Store) ChatWidgetByID(ctx context.Context, id string) (*core.ChatWidget, error) {
	return s.ChatWidgets.getWhere(ctx, s.read, "id = $1", id)
}
