// Package bench measures the flow language's costs: reading and checking a
// flow (this file: Parse then Validate over real exports from
// internal/flow/testdata/connect, which is what importing or publishing a
// flow costs) and running one (engine_test.go).
//
//	go test -run '^$' -bench 'Parse|Validate|DecodeBaseline' -benchtime 2s ./bench/flow/
package bench

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/switchboard-cc/switchboard/internal/flow"
)

// files are the exports measured: a typical inbound IVR, the largest export
// in the corpus, and an old-format export that goes through the converter.
var files = []struct{ name, file string }{
	{"typical", "038.json"},    // 24 KB, 32 actions of 12 types: menus, Lambda, queues
	{"largest", "073.json"},    // 137 KB, 94 actions of 18 types
	{"old-format", "026.json"}, // 22 KB, 47 modules of 13 types
}

func load(b *testing.B, name string) []byte {
	b.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "internal", "flow", "testdata", "connect", name))
	if err != nil {
		b.Fatal(err)
	}
	return data
}

// BenchmarkParseValidate parses and validates one export per iteration.
func BenchmarkParseValidate(b *testing.B) {
	for _, tc := range files {
		b.Run(tc.name, func(b *testing.B) {
			data := load(b, tc.file)
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				f, err := flow.Parse(data)
				if err != nil {
					b.Fatal(err)
				}
				if ps := flow.Validate(f, tc.name); ps.HasErrors() {
					b.Fatal(ps.Err())
				}
			}
		})
	}
}

// BenchmarkParse and BenchmarkValidate split the typical case in two.
func BenchmarkParse(b *testing.B) {
	data := load(b, files[0].file)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := flow.Parse(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkValidate(b *testing.B) {
	data := load(b, files[0].file)
	f, err := flow.Parse(data)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		flow.Validate(f, "typical")
	}
}

// BenchmarkDecodeBaseline is encoding/json decoding the typical export into
// an empty interface: the floor Parse is built on, for comparison on the
// same machine.
func BenchmarkDecodeBaseline(b *testing.B) {
	data := load(b, files[0].file)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		var v any
		if err := json.Unmarshal(data, &v); err != nil {
			b.Fatal(err)
		}
	}
}
