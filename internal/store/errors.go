package store

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
)

// ErrNotFound means the resource does not exist in the given instance. A
// resource of another instance is reported the same way, so IDs never leak.
var ErrNotFound = errors.New("not found")

// ErrBindingsContended means SIPBindings.Update gave up: the AOR's bindings
// kept changing under it (other REGISTERs for it, on this process or
// another) for every one of its attempts. The registrar answers 500 and the
// phone registers again.
var ErrBindingsContended = errors.New("changed concurrently too many times")

// ConflictError means the write contradicts what is stored: a name or number
// already taken, a stale version, or a resource still referenced.
type ConflictError struct {
	Field string // the field at fault, when one is
	Msg   string
}

func (e *ConflictError) Error() string {
	if e.Field != "" {
		return e.Field + ": " + e.Msg
	}
	return e.Msg
}

// SQLite extended result codes (sqlite3.h) and PostgreSQL SQLSTATEs we act on.
const (
	sqliteBusy             = 5
	sqliteLocked           = 6
	sqliteConstraintUnique = 2067
	sqliteConstraintPK     = 1555
	sqliteConstraintFK     = 787
	pgUniqueViolation      = "23505"
	pgFKViolation          = "23503"
)

func isUnique(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqliteConstraintUnique || se.Code() == sqliteConstraintPK
	}
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == pgUniqueViolation
}

func isForeignKey(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqliteConstraintFK
	}
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == pgFKViolation
}

func isBusy(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		c := se.Code() & 0xff
		return c == sqliteBusy || c == sqliteLocked
	}
	return strings.Contains(err.Error(), "database is locked")
}

func mustSub(f fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(f, dir)
	if err != nil {
		panic(fmt.Sprintf("embedded %s: %v", dir, err)) // a build error, not a runtime one
	}
	return sub
}
