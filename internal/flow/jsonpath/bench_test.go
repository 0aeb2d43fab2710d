package jsonpath

import "testing"

// Run with: go test -run '^$' -bench . -benchmem ./internal/flow/jsonpath/

var benchPaths = []string{
	"$.Attributes.cardType",
	"$.External.items[0].tags[1]",
	"$.Attributes.['customer name']",
	"$.Views.ViewResultData.FormData.extras.1",
}

func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		for _, s := range benchPaths {
			if _, err := Parse(s); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkIsPathStatic(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if IsPath("arn:aws:connect:us-east-1:123456789012:instance/abc/queue/def") {
			b.Fatal("static value reported as a path")
		}
	}
}

func BenchmarkResolve(b *testing.B) {
	data := contactData(b)
	paths := make([]Path, len(benchPaths))
	for i, s := range benchPaths {
		paths[i] = MustParse(s)
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, p := range paths {
			if _, ok := Resolve(data, p); !ok {
				b.Fatalf("%v not found", p)
			}
		}
	}
}

const benchText = "Hello $.Attributes.['customer name'], your $.Attributes.cardType balance is " +
	"$.External.balance dollars. Thank you for calling $.ContactId."

func BenchmarkInterpolate(b *testing.B) {
	lookup := lookupIn(contactData(b))
	b.ReportAllocs()
	for b.Loop() {
		_ = Interpolate(benchText, lookup)
	}
}

func BenchmarkTemplateInterpolate(b *testing.B) {
	lookup := lookupIn(contactData(b))
	tmpl := Compile(benchText)
	b.ReportAllocs()
	for b.Loop() {
		_ = tmpl.Interpolate(lookup)
	}
}

func BenchmarkInterpolateNoRefs(b *testing.B) {
	lookup := lookupIn(contactData(b))
	const text = "Thank you for calling. Express Mail is $5.00 and all calls may be monitored."
	b.ReportAllocs()
	for b.Loop() {
		_ = Interpolate(text, lookup)
	}
}
