package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/switchboard-cc/switchboard/internal/core"
)

// SetPromptAudio stores (or replaces) a prompt's audio and records its description.
func (s *Store) SetPromptAudio(ctx context.Context, instanceID, promptID string, info core.AudioInfo, data []byte) (*core.Prompt, error) {
	var out *core.Prompt
	err := s.tx(ctx, func(tx *sql.Tx) error {
		p, err := s.Prompts.getWhere(ctx, tx, "id = $1 AND instance_id = $2", promptID, instanceID)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO prompt_audio (prompt_id, instance_id, content_type, data) VALUES ($1,$2,$3,$4)
			ON CONFLICT (prompt_id) DO UPDATE SET content_type = excluded.content_type, data = excluded.data`,
			promptID, instanceID, info.ContentType, data); err != nil {
			return fmt.Errorf("store prompt audio: %w", err)
		}
		p.Audio = &info
		if err := s.Prompts.UpdateTx(ctx, tx, instanceID, p, p.Version); err != nil {
			return err
		}
		out = p
		return nil
	})
	return out, err
}

// PromptAudio returns a prompt's audio and its content type.
func (s *Store) PromptAudio(ctx context.Context, instanceID, promptID string) (contentType string, data []byte, err error) {
	err = s.read.QueryRowContext(ctx, `SELECT content_type, data FROM prompt_audio WHERE prompt_id = $1 AND instance_id = $2`,
		promptID, instanceID).Scan(&contentType, &data)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil, fmt.Errorf("audio of prompt %s: %w", promptID, ErrNotFound)
	}
	return contentType, data, err
}
