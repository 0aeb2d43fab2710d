// Package objectstore keeps large binary objects (call recordings) outside
// the database: a Store puts, opens and deletes objects by key. FS keeps
// them in a directory tree; an S3-compatible Store can implement the same
// interface later.
//
// Keys are slash-separated relative paths ("inst/2026/11/26/contact.wav"):
// no empty, "." or ".." segment, no leading slash, no backslash.
package objectstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// Store keeps objects by key.
type Store interface {
	// Put stores what r holds under key, replacing any object there, and
	// returns its location: a URI a contact record can show ("file:///…"
	// for FS, "s3://bucket/key" for S3). Readers never see a partial
	// object.
	Put(ctx context.Context, key string, r io.Reader) (location string, err error)
	// Open reads the object under key; ErrNotFound when there is none.
	Open(ctx context.Context, key string) (io.ReadCloser, error)
	// Delete removes the object under key; deleting a missing object is
	// not an error.
	Delete(ctx context.Context, key string) error
	// Key returns the key of a location Put returned; false when the
	// location is not one of this store's.
	Key(location string) (string, bool)
}

// Errors.
var (
	ErrNotFound   = errors.New("objectstore: no such object")
	ErrInvalidKey = errors.New("objectstore: invalid key")
)

// CheckKey returns ErrInvalidKey (wrapped) unless key is a clean relative
// slash-separated path.
func CheckKey(key string) error {
	if key == "" || len(key) > 1024 || strings.HasPrefix(key, "/") || strings.ContainsAny(key, "\\\x00") {
		return fmt.Errorf("%w: %q", ErrInvalidKey, key)
	}
	for _, seg := range strings.Split(key, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return fmt.Errorf("%w: %q", ErrInvalidKey, key)
		}
	}
	if path.Clean(key) != key || filepath.IsAbs(key) {
		return fmt.Errorf("%w: %q", ErrInvalidKey, key)
	}
	return nil
}

// FS is a Store in a directory: the object under key is the file
// root/key. Put writes a temporary file in the object's directory and
// renames it, so an object is either absent or whole.
type FS struct {
	root string // absolute
}

var _ Store = (*FS)(nil)

// NewFS returns the store rooted at dir, creating dir.
func NewFS(dir string) (*FS, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("objectstore: %w", err)
	}
	if err := os.MkdirAll(abs, 0o750); err != nil {
		return nil, fmt.Errorf("objectstore: %w", err)
	}
	return &FS{root: abs}, nil
}

// Root is the store's directory.
func (s *FS) Root() string { return s.root }

// Path is the file of the object under key.
func (s *FS) Path(key string) (string, error) {
	if err := CheckKey(key); err != nil {
		return "", err
	}
	return filepath.Join(s.root, filepath.FromSlash(key)), nil
}

// Put implements Store.
func (s *FS) Put(ctx context.Context, key string, r io.Reader) (string, error) {
	p, err := s.Path(key)
	if err != nil {
		return "", err
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	dir := filepath.Dir(p)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return "", fmt.Errorf("objectstore: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".put-*")
	if err != nil {
		return "", fmt.Errorf("objectstore: %w", err)
	}
	ok := false
	defer func() {
		if !ok {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if _, err := io.Copy(tmp, ctxReader{ctx, r}); err != nil {
		return "", fmt.Errorf("objectstore: write %s: %w", key, err)
	}
	if err := tmp.Sync(); err != nil {
		return "", fmt.Errorf("objectstore: write %s: %w", key, err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("objectstore: write %s: %w", key, err)
	}
	if err := os.Rename(tmp.Name(), p); err != nil {
		return "", fmt.Errorf("objectstore: %w", err)
	}
	ok = true
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(p)}).String(), nil
}

// Open implements Store.
func (s *FS) Open(_ context.Context, key string) (io.ReadCloser, error) {
	p, err := s.Path(key)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, key)
	}
	if err != nil {
		return nil, fmt.Errorf("objectstore: %w", err)
	}
	return f, nil
}

// Delete implements Store.
func (s *FS) Delete(_ context.Context, key string) error {
	p, err := s.Path(key)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("objectstore: %w", err)
	}
	return nil
}

// Key implements Store: the location must be a file URI under the root.
func (s *FS) Key(location string) (string, bool) {
	u, err := url.Parse(location)
	if err != nil || u.Scheme != "file" || u.Host != "" {
		return "", false
	}
	rel, err := filepath.Rel(s.root, filepath.FromSlash(u.Path))
	if err != nil {
		return "", false
	}
	key := filepath.ToSlash(rel)
	if CheckKey(key) != nil {
		return "", false
	}
	return key, true
}

// ctxReader stops a copy when ctx ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
