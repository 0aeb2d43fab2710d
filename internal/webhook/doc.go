// Package webhook POSTs an instance's events to the URLs of its webhook
// subscriptions (core.WebhookSubscription, stored like any resource).
//
// # Flow
//
// A Dispatcher consumes bus.ContactEvents, bus.AgentEvents and
// bus.ContactRecords with durable consumers. For each event it inserts one
// row per interested subscription (enabled, the event type in its filter,
// created before the event) into the store's webhook_deliveries table, then
// acknowledges the event; a second delivery of the same event by the bus
// inserts nothing. A delivery loop then POSTs the queued rows.
//
// # Request
//
//	POST <url>
//	Content-Type: application/json
//	User-Agent: Switchboard/<version>
//	X-Switchboard-Event-Id: <event ID, for de-duplication>
//	X-Switchboard-Event-Type: <e.g. CONNECTED_TO_AGENT>
//	X-Switchboard-Delivery-Id: <delivery ID>
//	X-Switchboard-Delivery-Attempt: <1, 2, ...>
//	X-Switchboard-Timestamp: <unix seconds>               (with a secret)
//	X-Switchboard-Signature: sha256=<hex HMAC-SHA256>     (with a secret)
//
//	{"id":"…","type":"QUEUED","instance_id":"…","time":"…","data":{…}}
//
// The body is the bus envelope. The signature is internal/function's:
// HMAC-SHA256 keyed with the subscription's secret over timestamp + "." +
// body, so receivers verify it with function.Verify.
//
// # Order, retries, dead letters
//
// Deliveries to one subscription with the same order key — the contact ID
// for contact events and records, the agent ID for agent events — go one at
// a time in the order the bus delivered the events: event N+1 of a contact
// is not sent before event N was answered 2xx or given up. Different
// contacts and subscriptions proceed in parallel (Options.Concurrency).
//
// Any answer but 2xx, a 3xx included (redirects are not followed), and any
// network error or timeout is retried after an exponential backoff
// (MinBackoff doubled per attempt up to MaxBackoff, with jitter down to
// half, at least the receiver's Retry-After) until MaxAttempts; then the
// delivery is given up: logged at error level and kept with status FAILED
// and its last status and error (the dead letter), and the next event of
// the contact goes out. Addresses refused by the guard are given up at once.
//
// Attempts are claimed in the store before they are made, so a process
// that dies during one leaves it to be retried once the claim expires, and
// several dispatchers may share the queue. Event order is only guaranteed
// with one process consuming the bus at a time, though: run the Dispatcher
// in one process of a deployment.
//
// # Address guard
//
// A subscription not marked Internal may not reach loopback, private,
// link-local, CGNAT, multicast or reserved addresses, checked at dial time
// after DNS resolution, exactly as internal/function does for functions.
package webhook
