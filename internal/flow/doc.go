// Package flow is Switchboard's model of the Amazon Connect flow language,
// which is also Switchboard's native flow format.
//
// It holds four things, one file group each:
//
//   - the document model (flow.go): Flow, Action, Transitions, Metadata and
//     module Settings, marshalled back to flow JSON that Amazon Connect and
//     Switchboard both accept;
//   - a lenient parser (parse.go) for real exports: numbers and booleans
//     written as strings or not, empty and missing lists alike, known aliases
//     (Wait.TimeoutSeconds, UpdateRoutingCriteria), unknown fields tolerated;
//     it also reads the older console export ("modules", "version": "1") and
//     converts it to the current model (legacy.go);
//   - the action catalogue (catalog.go): one table describing every supported
//     action type, its parameters and its branches, shared by the validator
//     here and the interpreter in internal/flow/engine;
//   - the validator (validate.go) and the reference lister (references.go)
//     that the import binding uses to map ARNs, placeholders and display names
//     to local queues, flows, prompts and functions.
//
// JSONPath syntax ($.Attributes.x) is the business of the sibling package
// internal/flow/jsonpath; this package only decides where a JSONPath may
// appear and asks that package whether it is well formed.
//
// The language is described in docs/flow-language-reference.md; the real
// exports the parser and validator are tested against are in
// testdata/connect.
package flow
