// Package function calls the external HTTP endpoints that flows invoke with
// the InvokeLambdaFunction action (core.Function). The flow interpreter builds
// an Event from the contact, calls Invoker.Invoke, and puts Result.External
// under $.External; any *Error sends the contact down the action's error
// branch (NoMatchingError, the only one Connect defines for this action).
//
// # Wire protocol
//
// Each invocation is one HTTP POST to the function's URL:
//
//	POST <url>
//	Content-Type: application/json
//	Accept: application/json
//	User-Agent: Switchboard/<version>
//	X-Switchboard-Timestamp: <unix seconds>            (only with a secret)
//	X-Switchboard-Signature: sha256=<lowercase hex>    (only with a secret)
//
//	{"Details":{"ContactData":{...},"Parameters":{...}},"Name":"ContactFlowEvent"}
//
// The body is the event Amazon Connect passes to a Lambda function, field for
// field, so a handler written for Connect needs only an HTTP wrapper.
//
// A 2xx response carries the result as a JSON object; an empty body (a 204,
// say) is an empty result. Anything else is an error: see Kind.
//
// # Signature
//
// When the function has a secret, the request carries
//
//	X-Switchboard-Signature: sha256=hex(HMAC-SHA256(secret, timestamp + "." + body))
//
// where timestamp is the X-Switchboard-Timestamp value (decimal Unix
// seconds) and body the exact request bytes. Binding the timestamp into the
// MAC lets the receiver reject old requests: Verify refuses a timestamp more
// than maxSkew from its clock, so a captured request can only be replayed
// within that window. A receiver that must rule out even that remembers the
// signatures it accepted for maxSkew and refuses repeats.
//
// # Response limits
//
// Connect rejects a Lambda result of 32 KB or more, and so do we by default
// (Options.MaxResponseBytes, DefaultMaxResponseBytes): flows that work here
// keep working on Connect and the other way round, and a misbehaving endpoint
// cannot make the process buffer megabytes per contact. The limit applies to
// the decoded body (after any Content-Encoding), so a compressed bomb is cut
// off too.
//
// With ResponseType STRING_MAP (and when ResponseValidation is missing, the
// legacy behaviour) the result must be a flat object: strings are kept,
// numbers keep their JSON text ("1.50" stays "1.50"), booleans become "true"
// or "false", null becomes "", and a nested object or array is an error, as
// on Connect. With JSON any object is accepted; numbers are json.Number so
// that long account numbers keep their digits.
//
// # Address guard
//
// Unless the function is marked Internal, the invoker refuses to connect to
// loopback, private (RFC 1918, fc00::/7), link-local (169.254.0.0/16 with the
// cloud metadata address, fe80::/10), CGNAT (100.64.0.0/10), unspecified,
// multicast, broadcast and reserved addresses, and to IPv6 forms that embed
// such an IPv4 address (mapped, NAT64, 6to4). The check runs in the dialer
// on the address actually being connected to, after DNS resolution, so a
// hostname that resolves (or re-resolves) to an internal address is refused
// as well. Internal and public functions use separate connection pools, so a
// connection opened for an internal function is never reused for a public
// one. No proxy is used: a proxy would make the dialer check the proxy's
// address instead of the function's.
//
// Redirects are never followed: a 3xx response is a KindStatus error. A
// function endpoint has no reason to redirect a POST; following one would
// either drop the event (301, 302 and 303 turn the POST into a GET) or send
// the event and its signature to another host (307, 308).
package function
