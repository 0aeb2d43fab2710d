// Package bus is Switchboard's event bus: a thin, typed layer over NATS
// JetStream.
//
// By default (Config.URL empty) the bus runs a NATS server with JetStream
// embedded in the process, storing its data under Config.DataDir; nothing
// listens on the network unless Config.Listen is set. For scale-out,
// Config.URL points at an external NATS cluster and every Switchboard
// process connects to it.
//
// # Subjects and streams
//
// Every subject, stream and KV bucket name carries Config.Prefix (for
// example "sb"), so several deployments or test runs can share one cluster.
// Stream and bucket names use the upper-cased prefix. With prefix "sb":
//
//	stream               subjects                             retention
//	SB_CONTACT_EVENTS    sb.contact.<instanceID>.<eventType>  7 days   (ContactEvents)
//	SB_AGENT_EVENTS      sb.agent.<instanceID>.<eventType>    7 days   (AgentEvents)
//	SB_CONTACT_RECORDS   sb.record.<instanceID>.<eventType>   30 days  (ContactRecords)
//
// The streams use file storage, Config.Replicas replicas and a two-minute
// duplicate window. Open creates them, or updates them in place when they
// already exist.
//
// # Events
//
// Events are JSON-encoded [Envelope] values whose Data is any
// JSON-marshalable type. [Publish] fills in the ID (a UUIDv7) and the time,
// and sends the ID as the Nats-Msg-Id header so JetStream drops retried
// duplicates. [Subscribe] decodes envelopes into the same type and runs a
// handler for each. A nil error acks the message; an error naks it with a
// backoff until MaxDeliver attempts have been used; a payload that cannot be
// decoded is logged and terminated, so it is never redelivered.
//
// [Bus.KeyValue] creates (or opens) prefixed JetStream key-value buckets for
// features that need shared state.
package bus
