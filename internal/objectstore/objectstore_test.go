package objectstore

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFSPutOpenDelete(t *testing.T) {
	ctx := context.Background()
	s, err := NewFS(filepath.Join(t.TempDir(), "recordings"))
	if err != nil {
		t.Fatal(err)
	}
	key := "inst-1/2026/11/26/contact-1.wav"
	loc, err := s.Put(ctx, key, strings.NewReader("RIFF data"))
	if err != nil {
		t.Fatal(err)
	}
	want := "file://" + filepath.ToSlash(filepath.Join(s.Root(), "inst-1", "2026", "11", "26", "contact-1.wav"))
	if loc != want {
		t.Errorf("location %q, want %q", loc, want)
	}
	if k, ok := s.Key(loc); !ok || k != key {
		t.Errorf("Key(%q) = %q, %v", loc, k, ok)
	}
	for _, other := range []string{"s3://bucket/" + key, "file:///elsewhere/x.wav", "file://" + filepath.ToSlash(s.Root()) + "/../x.wav", "%zz"} {
		if k, ok := s.Key(other); ok {
			t.Errorf("Key(%q) = %q, want none", other, k)
		}
	}
	// Replace: readers see the new object whole, no temporary file is left.
	if _, err := s.Put(ctx, key, strings.NewReader("RIFF new")); err != nil {
		t.Fatal(err)
	}
	rc, err := s.Open(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rc)
	rc.Close()
	if string(b) != "RIFF new" {
		t.Errorf("read %q", b)
	}
	entries, _ := os.ReadDir(filepath.Join(s.Root(), "inst-1", "2026", "11", "26"))
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries, want 1", len(entries))
	}
	if err := s.Delete(ctx, key); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Open(ctx, key); !errors.Is(err, ErrNotFound) {
		t.Errorf("Open after Delete: %v", err)
	}
	if err := s.Delete(ctx, key); err != nil {
		t.Errorf("second Delete: %v", err)
	}
}

func TestFSFailedPutLeavesNothing(t *testing.T) {
	s, err := NewFS(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	if _, err := s.Put(context.Background(), "a/b.wav", io.MultiReader(strings.NewReader("part"), errReader{boom})); !errors.Is(err, boom) {
		t.Fatalf("Put: %v", err)
	}
	entries, _ := os.ReadDir(filepath.Join(s.Root(), "a"))
	if len(entries) != 0 {
		t.Errorf("left %d files", len(entries))
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Put(ctx, "a/c.wav", strings.NewReader("x")); !errors.Is(err, context.Canceled) {
		t.Errorf("Put with a cancelled context: %v", err)
	}
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

func TestKeysAreChecked(t *testing.T) {
	s, err := NewFS(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, key := range []string{"", "/etc/passwd", "../x", "a/../../x", "a/./b", "a//b", "a/", ".", "..", `a\b`, "a/..", "x\x00y"} {
		if _, err := s.Put(ctx, key, strings.NewReader("x")); !errors.Is(err, ErrInvalidKey) {
			t.Errorf("Put(%q): %v, want ErrInvalidKey", key, err)
		}
		if _, err := s.Open(ctx, key); !errors.Is(err, ErrInvalidKey) {
			t.Errorf("Open(%q): %v", key, err)
		}
		if err := s.Delete(ctx, key); !errors.Is(err, ErrInvalidKey) {
			t.Errorf("Delete(%q): %v", key, err)
		}
	}
	for _, key := range []string{"a", "inst/2026/01/02/c.wav", "a..b/c"} {
		if err := CheckKey(key); err != nil {
			t.Errorf("CheckKey(%q): %v", key, err)
		}
	}
}
