package store

import (
	"context"
	"fmt"
)

// keysetPage runs `SELECT <cols> FROM <table> WHERE <w> ORDER BY <key> LIMIT
// max+1` and returns at most max rows with the token of the next page (the
// last row's key), or "" on the last page. what names the rows in errors.
func keysetPage[T any](ctx context.Context, s *Store, what, selectFrom, keyCol string, w where, max int,
	scan func(scanner) (T, error), key func(T) string) ([]T, string, error) {
	rows, err := s.read.QueryContext(ctx, selectFrom+` WHERE `+w.sql()+fmt.Sprintf(` ORDER BY %s LIMIT %d`, keyCol, max+1), w.args...)
	if err != nil {
		return nil, "", fmt.Errorf("list %s: %w", what, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, "", fmt.Errorf("list %s: %w", what, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("list %s: %w", what, err)
	}
	next := ""
	if len(out) > max {
		out = out[:max]
		next = encodeToken(key(out[max-1]))
	}
	return out, next, nil
}
