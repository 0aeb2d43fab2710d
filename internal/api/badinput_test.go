package api

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/core"
	"github.com/switchboard-cc/switchboard/internal/store"
	"github.com/switchboard-cc/switchboard/internal/store/storetest"
)

// badInput is refused with a 4xx problem that names the field at fault, and
// writes nothing: scenario.run compares the whole store before and after.
var badInput = []scenario{
	// Chat contacts.
	{name: "start chat contact requires ContactFlowId", method: "POST", path: "/api/v1/instances/{a}/contacts/chat", key: "a",
		body: `{"ParticipantDetails":{"DisplayName":"Ann"}}`, status: 422, field: "ContactFlowId"},
	{name: "start chat contact in a missing instance is not found", method: "POST", path: "/api/v1/instances/{missing}/contacts/chat", key: "admin",
		body: `{"ContactFlowId":"x"}`, status: 404},
	// Contacts and their records.
	{name: "an unknown contact is not found", method: "GET", path: "/api/v1/instances/{a}/contacts/{missing}", key: "a", status: 404},
	{name: "another instance's contact is not found", method: "GET", path: "/api/v1/instances/{a}/contacts/{b.contact}", key: "a",
		setup: seedContacts, status: 404, not: []string{"Ann-b"}},
	{name: "another instance's contact attributes are not found", method: "GET", path: "/api/v1/instances/{a}/contacts/{b.contact}/attributes", key: "a",
		setup: seedContacts, status: 404, not: []string{"Ann-b"}},
	{name: "another instance's contact attributes cannot be updated", method: "POST", path: "/api/v1/instances/{a}/contacts/{b.contact}/attributes", key: "a",
		setup: seedContacts, body: `{"Attributes":{"tier":"gold"}}`, status: 404},
	{name: "another instance's transcript is not found", method: "GET", path: "/api/v1/instances/{a}/contacts/{b.contact}/transcript", key: "a",
		setup: seedContacts, status: 404, not: []string{"hello from b"}},
	{name: "another instance's contact record is not found", method: "GET", path: "/api/v1/instances/{a}/contact-records/{b.ended}", key: "a",
		setup: seedContacts, status: 404},
	{name: "the transcript of an unknown contact is not found", method: "GET", path: "/api/v1/instances/{a}/contacts/{missing}/transcript", key: "a", status: 404},
	{name: "an active contact has no record yet", method: "GET", path: "/api/v1/instances/{a}/contact-records/{a.contact}", key: "a",
		setup: seedContacts, status: 404},
	{name: "another instance's call recording is not found", method: "GET", path: "/api/v1/instances/{a}/contacts/{b.recorded}/recording", key: "a",
		setup: seedRecording, status: 404},
	{name: "a contact that was not recorded has no recording", method: "GET", path: "/api/v1/instances/{a}/contacts/{a.ended}/recording", key: "a",
		setup: seedRecording, status: 404},
	{name: "a recording that was never stored cannot be downloaded", method: "GET", path: "/api/v1/instances/{a}/contacts/{a.unrecorded}/recording", key: "a",
		setup: seedRecording, status: 404},
	{name: "listing contacts of a missing instance is not found", method: "GET", path: "/api/v1/instances/{missing}/contacts", key: "admin", status: 404},
	{name: "listing contact records of a missing instance is not found", method: "GET", path: "/api/v1/instances/{missing}/contact-records", key: "admin", status: 404},
	{name: "an unknown contact state filter is refused", method: "GET", path: "/api/v1/instances/{a}/contacts?state=QUEUED,DONE", key: "a",
		status: 400, field: "state", want: []string{"DONE"}},
	{name: "an unknown contact channel filter is refused", method: "GET", path: "/api/v1/instances/{a}/contacts?channel=FAX", key: "a", status: 400, field: "channel"},
	{name: "a contact page size of zero is refused", method: "GET", path: "/api/v1/instances/{a}/contacts?maxResults=0", key: "a", status: 400, field: "maxResults"},
	{name: "a contact page token the API did not issue is refused", method: "GET", path: "/api/v1/instances/{a}/contacts?nextToken=%25%25%25", key: "a",
		status: 422, field: "nextToken"},
	{name: "a record channel filter is checked", method: "GET", path: "/api/v1/instances/{a}/contact-records?channel=voice", key: "a", status: 400, field: "channel"},
	{name: "a record time filter must be RFC 3339", method: "GET", path: "/api/v1/instances/{a}/contact-records?initiatedFrom=yesterday", key: "a",
		status: 400, field: "initiatedFrom", want: []string{"RFC 3339"}},
	{name: "a record time range must not be empty", method: "GET",
		path: "/api/v1/instances/{a}/contact-records?initiatedFrom=2030-01-02T00:00:00Z&initiatedTo=2030-01-01T00:00:00Z", key: "a", status: 400, field: "initiatedTo"},
	{name: "a record page token the API did not issue is refused", method: "GET", path: "/api/v1/instances/{a}/contact-records?nextToken=%25%25%25", key: "a",
		status: 422, field: "nextToken"},
	{name: "a record page size over the maximum is refused", method: "GET", path: "/api/v1/instances/{a}/contact-records?maxResults=1001", key: "a",
		status: 400, field: "maxResults"},
	{name: "a transcript page token the API did not issue is refused", method: "GET", path: "/api/v1/instances/{a}/contacts/{a.contact}/transcript?nextToken=bm9wZQ", key: "a",
		setup: seedContacts, status: 422, field: "nextToken"},
	{name: "a transcript page token that is not base64 is refused", method: "GET", path: "/api/v1/instances/{a}/contacts/{a.contact}/transcript?nextToken=%25%25", key: "a",
		setup: seedContacts, status: 422, field: "nextToken"},
	{name: "a transcript page size that is not a number is refused", method: "GET", path: "/api/v1/instances/{a}/contacts/{a.contact}/transcript?maxResults=all", key: "a",
		setup: seedContacts, status: 400, field: "maxResults"},
	{name: "updating attributes of an unknown contact is not found", method: "POST", path: "/api/v1/instances/{a}/contacts/{missing}/attributes", key: "a",
		body: `{"Attributes":{"tier":"gold"}}`, status: 404},
	{name: "attribute updates require Attributes", method: "POST", path: "/api/v1/instances/{a}/contacts/{a.contact}/attributes", key: "a",
		setup: seedContacts, body: `{}`, status: 422, field: "Attributes"},
	{name: "null Attributes are refused", method: "POST", path: "/api/v1/instances/{a}/contacts/{a.contact}/attributes", key: "a",
		setup: seedContacts, body: `{"Attributes":null}`, status: 422, field: "Attributes"},
	{name: "Attributes must be an object", method: "POST", path: "/api/v1/instances/{a}/contacts/{a.contact}/attributes", key: "a",
		setup: seedContacts, body: `{"Attributes":["tier","gold"]}`, status: 400, field: "Attributes", want: []string{"must be an object"}},
	{name: "attribute values must be strings", method: "POST", path: "/api/v1/instances/{a}/contacts/{a.contact}/attributes", key: "a",
		setup: seedContacts, body: `{"Attributes":{"tier":5}}`, status: 400, field: "Attributes", want: []string{"must be a string"}},
	{name: "an empty attribute key is refused", method: "POST", path: "/api/v1/instances/{a}/contacts/{a.contact}/attributes", key: "a",
		setup: seedContacts, body: `{"Attributes":{"":"x"}}`, status: 422, field: "Attributes"},
	{name: "an attribute key over 256 characters is refused", method: "POST", path: "/api/v1/instances/{a}/contacts/{a.contact}/attributes", key: "a",
		setup: seedContacts, body: `{"Attributes":{"` + strings.Repeat("k", 257) + `":"x"}}`, status: 422, field: "Attributes"},
	{name: "attributes over 32 KiB are refused", method: "POST", path: "/api/v1/instances/{a}/contacts/{a.contact}/attributes", key: "a",
		setup: seedContacts, body: `{"Attributes":{"big":"` + strings.Repeat("x", 33000) + `"}}`, status: 422, field: "Attributes"},
	{name: "a merge that takes attributes over 32 KiB is refused", method: "POST", path: "/api/v1/instances/{a}/contacts/{a.contact}/attributes", key: "a",
		setup: seedBigAttribute, body: `{"Attributes":{"more":"` + strings.Repeat("y", 3000) + `"}}`, status: 422, field: "Attributes",
		want: []string{"32768"}},
	{name: "attribute updates take no contact or instance ID in the body", method: "POST", path: "/api/v1/instances/{a}/contacts/{a.contact}/attributes", key: "a",
		setup: seedContacts, body: `{"InstanceId":"{b}","Attributes":{"k":"v"}}`, status: 400, field: "InstanceId"},
	{name: "attributes of an ended contact cannot change", method: "POST", path: "/api/v1/instances/{a}/contacts/{a.ended}/attributes", key: "a",
		setup: seedContacts, body: `{"Attributes":{"k":"v"}}`, status: 409, field: "state", want: []string{"ENDED"}},
	{name: "attribute updates must be JSON", method: "POST", path: "/api/v1/instances/{a}/contacts/{a.contact}/attributes", key: "a",
		setup: seedContacts, header: map[string]string{"Content-Type": "text/plain"}, body: `{"Attributes":{}}`, status: 415, field: "Content-Type"},
	{name: "contacts cannot be replaced or deleted", method: "DELETE", path: "/api/v1/instances/{a}/contacts/{missing}", key: "a", status: 405},
	// Malformed JSON.
	{name: "truncated JSON is refused", method: "POST", path: "/api/v1/instances/{a}/queues", key: "a",
		body: `{"name":"Support",`, status: 400, field: "body", want: []string{"unexpected end"}},
	{name: "a syntax error is located by line and column", method: "POST", path: "/api/v1/instances/{a}/queues", key: "a",
		body: "{\"name\":\"Support\",\n \"maxContacts\": 1,,}", status: 400, field: "body", want: []string{"line 2, column"}},
	{name: "an empty body is refused", method: "POST", path: "/api/v1/instances/{a}/queues", key: "a",
		raw: []byte{}, status: 400, field: "body", want: []string{"empty"}},
	{name: "data after the JSON object is refused", method: "POST", path: "/api/v1/instances/{a}/prompts", key: "a",
		body: `{"name":"One"} {"name":"Two"}`, status: 400, field: "body"},
	{name: "a JSON array instead of an object is refused", method: "POST", path: "/api/v1/instances/{a}/prompts", key: "a",
		body: `[{"name":"One"}]`, status: 400, field: "body", want: []string{"must be an object"}},
	{name: "a body that is not JSON is refused", method: "POST", path: "/api/v1/instances", key: "admin",
		body: `alias=newco`, status: 400, field: "body"},
	{name: "a body declared as text is refused", method: "POST", path: "/api/v1/instances/{a}/prompts", key: "a",
		header: map[string]string{"Content-Type": "text/plain"}, body: `{"name":"One"}`, status: 415, field: "Content-Type"},
	{name: "a body without Content-Type is refused", method: "PUT", path: "/api/v1/instances/{a}/prompts/{a.prompt}", key: "a",
		header: map[string]string{"Content-Type": ""}, body: `{"name":"One"}`, status: 415, field: "Content-Type"},

	// Unknown fields.
	{name: "an unknown field is refused by name", method: "POST", path: "/api/v1/instances/{a}/queues", key: "a",
		body: `{"name":"Support","hoursOfOperationId":"{a.hours}","colour":"red"}`, status: 400, field: "colour"},
	{name: "an unknown field inside a list item is refused by name", method: "POST", path: "/api/v1/instances/{a}/routing-profiles", key: "a",
		body: `{"name":"New","queues":[{"queueId":"{a.queue}","channel":"VOICE","weight":3}]}`, status: 400, field: "weight"},
	{name: "an API key cannot be created for another instance through the body", method: "POST", path: "/api/v1/instances/{a}/api-keys", key: "a",
		body: `{"name":"escalate","instanceId":"{b}"}`, status: 400, field: "instanceId"},
	{name: "a password hash cannot be set directly", method: "PUT", path: "/api/v1/instances/{a}/users/{a.user}", key: "a",
		body: `{"username":"alice","securityProfileIds":["{a.sp.agent}"],"passwordHash":"$argon2id$forged"}`, status: 400, field: "passwordHash"},
	{name: "an unknown field on an instance is refused", method: "PUT", path: "/api/v1/instances/{a}", key: "a",
		body: `{"alias":"{a.alias}","owner":"me"}`, status: 400, field: "owner"},

	// Wrong types.
	{name: "a number where a string belongs is refused", method: "POST", path: "/api/v1/instances/{a}/queues", key: "a",
		body: `{"name":5,"hoursOfOperationId":"{a.hours}"}`, status: 400, field: "name", want: []string{"must be a string"}},
	{name: "a string where an integer belongs is refused", method: "POST", path: "/api/v1/instances/{a}/queues", key: "a",
		body: `{"name":"Support","hoursOfOperationId":"{a.hours}","maxContacts":"ten"}`, status: 400, field: "maxContacts", want: []string{"must be an integer"}},
	{name: "a number too large for an integer is refused", method: "POST", path: "/api/v1/instances/{a}/queues", key: "a",
		body: `{"name":"Support","hoursOfOperationId":"{a.hours}","maxContacts":1e100}`, status: 400, field: "maxContacts"},
	{name: "a wrong type inside a list item is refused by path", method: "POST", path: "/api/v1/instances/{a}/routing-profiles", key: "a",
		body: `{"name":"New","queues":[{"queueId":"{a.queue}","channel":"VOICE","priority":"high"}]}`, status: 400, field: "queues.priority"},
	{name: "a string where a list belongs is refused", method: "PUT", path: "/api/v1/instances/{a}/users/{a.user}", key: "a",
		body: `{"username":"alice","securityProfileIds":"{a.sp.agent}"}`, status: 400, field: "securityProfileIds", want: []string{"must be an array"}},
	{name: "a string where a boolean belongs is refused", method: "POST", path: "/api/v1/instances/{a}/functions", key: "a",
		body: `{"name":"New","url":"https://x.example.com","internal":"yes"}`, status: 400, field: "internal", want: []string{"true or false"}},
	{name: "an instance key may not mark a function internal", method: "POST", path: "/api/v1/instances/{a}/functions", key: "a",
		body: `{"name":"Probe","url":"http://10.0.0.1/admin","internal":true}`, status: 403, field: "internal", want: []string{"deployment-admin"}},
	{name: "an instance key may not turn a function internal", method: "PUT", path: "/api/v1/instances/{a}/functions/{a.function}", key: "a",
		body: `{"name":"crm","url":"http://10.0.0.1/admin","internal":true}`, status: 403, field: "internal"},
	{name: "an instance key may not mark a webhook subscription internal", method: "POST", path: "/api/v1/instances/{a}/webhook-subscriptions", key: "a",
		body: `{"name":"Probe","url":"http://10.0.0.1/hook","internal":true}`, status: 403, field: "internal"},
	{name: "a string where an object belongs is refused", method: "POST", path: "/api/v1/instances/{a}/queues", key: "a",
		body: `{"name":"Support","hoursOfOperationId":"{a.hours}","outboundCallerId":"+15550100"}`, status: 400, field: "outboundCallerId"},
	{name: "an expiry that is not a date-time is refused by name", method: "POST", path: "/api/v1/instances/{a}/api-keys", key: "a",
		body: `{"name":"ci","expiresAt":"tomorrow"}`, status: 400, field: "expiresAt", want: []string{"RFC 3339"}},
	{name: "an expiry that is a number is refused by name", method: "POST", path: "/api/v1/admin/api-keys", key: "admin",
		body: `{"name":"ci","expiresAt":1893456000}`, status: 400, field: "expiresAt"},
	{name: "a malformed createdAt sent back on update is refused by name", method: "PUT", path: "/api/v1/instances/{a}/prompts/{a.prompt}", key: "a",
		body: `{"name":"Welcome","createdAt":"last week"}`, status: 400, field: "createdAt"},

	// Oversize bodies.
	{name: "a JSON body over the limit is refused with 413", method: "POST", path: "/api/v1/instances/{a}/prompts", key: "a",
		raw: []byte(`{"name":"Big","description":"` + strings.Repeat("x", testMaxBody) + `"}`), status: 413, field: "body"},
	{name: "an instance body over the limit is refused with 413", method: "POST", path: "/api/v1/instances", key: "admin",
		raw: []byte(`{"alias":"big","description":"` + strings.Repeat("x", 2*testMaxBody) + `"}`), status: 413, field: "body"},
	{name: "prompt audio over the limit is refused with 413", method: "PUT", path: "/api/v1/instances/{a}/prompts/{a.prompt}/audio", key: "a",
		raw: append(testWAV(), make([]byte, MaxPromptBytes)...), header: wavHeader, status: 413, field: "body"},

	// Phone numbers must be E.164.
	{name: "a phone number without a country code is refused", method: "POST", path: "/api/v1/instances/{a}/phone-numbers", key: "a",
		body: `{"number":"555-0100"}`, status: 422, field: "number", want: []string{"E.164"}},
	{name: "a phone number starting with zero is refused", method: "POST", path: "/api/v1/instances/{a}/phone-numbers", key: "a",
		body: `{"number":"+0123456789"}`, status: 422, field: "number"},
	{name: "a phone number longer than 15 digits is refused", method: "POST", path: "/api/v1/instances/{a}/phone-numbers", key: "a",
		body: `{"number":"+1234567890123456"}`, status: 422, field: "number"},
	{name: "a phone number with letters is refused on update", method: "PUT", path: "/api/v1/instances/{a}/phone-numbers/{a.phone}", key: "a",
		body: `{"number":"+1 800 FLOWERS"}`, status: 422, field: "number"},
	{name: "a queue's caller ID must be E.164", method: "POST", path: "/api/v1/instances/{a}/queues", key: "a",
		body: `{"name":"Support","hoursOfOperationId":"{a.hours}","outboundCallerId":{"number":"call me"}}`, status: 422, field: "outboundCallerId.number"},
	{name: "a queue lists a quick connect once", method: "POST", path: "/api/v1/instances/{a}/queues", key: "a",
		body: `{"name":"Support","hoursOfOperationId":"{a.hours}","quickConnectIds":["{a.qc}","{a.qc}"]}`, status: 422,
		field: "quickConnectIds[1]", want: []string{"listed twice"}},
	{name: "a quick connect's number must be E.164", method: "POST", path: "/api/v1/instances/{a}/quick-connects", key: "a",
		body: `{"name":"Out","type":"PHONE_NUMBER","phoneNumber":"12"}`, status: 422, field: "phoneNumber"},
	{name: "a desk phone must be E.164 or SIP, reported with every other problem", method: "POST", path: "/api/v1/instances/{a}/users", key: "a",
		body:   `{"username":"bob","securityProfileIds":["{a.sp.agent}"],"phoneType":"DESK_PHONE","deskPhoneNumber":"12345"}`,
		status: 422, field: "deskPhoneNumber", want: []string{`"field":"password"`}},

	// Hours of operation need a real time zone.
	{name: "an unknown time zone is refused", method: "POST", path: "/api/v1/instances/{a}/hours-of-operation", key: "a",
		body: `{"name":"Mars","timeZone":"Mars/Olympus_Mons","config":[]}`, status: 422, field: "timeZone", want: []string{"Mars/Olympus_Mons"}},
	{name: "the server's local time zone is refused", method: "POST", path: "/api/v1/instances/{a}/hours-of-operation", key: "a",
		body: `{"name":"Here","timeZone":"Local","config":[]}`, status: 422, field: "timeZone"},
	{name: "a missing time zone is refused", method: "POST", path: "/api/v1/instances/{a}/hours-of-operation", key: "a",
		body: `{"name":"Nowhere","config":[]}`, status: 422, field: "timeZone"},
	{name: "an unknown time zone is refused on update", method: "PUT", path: "/api/v1/instances/{a}/hours-of-operation/{a.hours}", key: "a",
		body: `{"name":"Office hours","timeZone":"Europe/Atlantis","config":[]}`, status: 422, field: "timeZone"},
	{name: "an impossible time of day is refused by index", method: "POST", path: "/api/v1/instances/{a}/hours-of-operation", key: "a",
		body:   `{"name":"Late","timeZone":"UTC","config":[{"day":"MONDAY","start":"09:00","end":"17:00"},{"day":"TUESDAY","start":"25:00","end":"26:00"}]}`,
		status: 422, field: "config[1].start", want: []string{`"field":"config[1].end"`}},
	{name: "an override ending before it starts is refused", method: "POST", path: "/api/v1/instances/{a}/hours-of-operation", key: "a",
		body:   `{"name":"Holiday","timeZone":"UTC","config":[],"overrides":[{"name":"x","from":"2030-05-02","to":"2030-05-01","type":"CLOSED"}]}`,
		status: 422, field: "overrides[0].to"},

	// Other validation.
	{name: "a queue needs a name", method: "POST", path: "/api/v1/instances/{a}/queues", key: "a",
		body: `{"name":"  ","hoursOfOperationId":"{a.hours}"}`, status: 422, field: "name"},
	{name: "a queue needs hours", method: "POST", path: "/api/v1/instances/{a}/queues", key: "a",
		body: `{"name":"Support"}`, status: 422, field: "hoursOfOperationId"},
	{name: "a queue status must be known", method: "PUT", path: "/api/v1/instances/{a}/queues/{a.queue}", key: "a",
		body: `{"name":"Billing","hoursOfOperationId":"{a.hours}","status":"PAUSED"}`, status: 422, field: "status"},
	{name: "a queue cannot hold a negative number of contacts", method: "POST", path: "/api/v1/instances/{a}/queues", key: "a",
		body: `{"name":"Support","hoursOfOperationId":"{a.hours}","maxContacts":-1}`, status: 422, field: "maxContacts"},
	{name: "a new user needs a password", method: "POST", path: "/api/v1/instances/{a}/users", key: "a",
		body: `{"username":"bob","securityProfileIds":["{a.sp.agent}"]}`, status: 422, field: "password"},
	{name: "a short password is refused", method: "POST", path: "/api/v1/instances/{a}/users", key: "a",
		body: `{"username":"bob","securityProfileIds":["{a.sp.agent}"],"password":"abc"}`, status: 422, field: "password"},
	{name: "a user needs a security profile", method: "PUT", path: "/api/v1/instances/{a}/users/{a.user}", key: "a",
		body: `{"username":"alice","securityProfileIds":[]}`, status: 422, field: "securityProfileIds"},
	{name: "a username cannot hold a slash", method: "PUT", path: "/api/v1/instances/{a}/users/{a.user}", key: "a",
		body: `{"username":"al/ice","securityProfileIds":["{a.sp.agent}"]}`, status: 422, field: "username"},
	{name: "a flow's content cannot be null", method: "POST", path: "/api/v1/instances/{a}/flows", key: "a",
		body: `{"name":"Empty","content":null}`, status: 422, field: "content"},
	{name: "a flow's content must be an object", method: "PUT", path: "/api/v1/instances/{a}/flows/{a.flow}", key: "a",
		body: `{"name":"Main menu","content":["Actions"]}`, status: 422, field: "content"},
	{name: "a flow needs content", method: "POST", path: "/api/v1/instances/{a}/flows", key: "a",
		body: `{"name":"Empty"}`, status: 422, field: "content"},
	{name: "a flow type must be known", method: "POST", path: "/api/v1/instances/{a}/flows", key: "a",
		body: `{"name":"New","type":"IVR","content":{}}`, status: 422, field: "type"},
	{name: "a function URL must be http or https", method: "POST", path: "/api/v1/instances/{a}/functions", key: "a",
		body: `{"name":"New","url":"ftp://files.example.com"}`, status: 422, field: "url"},
	{name: "a function URL cannot carry credentials", method: "PUT", path: "/api/v1/instances/{a}/functions/{a.function}", key: "a",
		body: `{"name":"CRM lookup","url":"https://user:pw@crm.example.com"}`, status: 422, field: "url", not: []string{"user:pw"}},
	{name: "a function timeout is bounded", method: "POST", path: "/api/v1/instances/{a}/functions", key: "a",
		body: `{"name":"New","url":"https://x.example.com","timeoutSeconds":30}`, status: 422, field: "timeoutSeconds"},
	{name: "a trunk that admits nobody is refused", method: "POST", path: "/api/v1/instances/{a}/trunks", key: "a",
		body: `{"name":"Nobody"}`, status: 422, field: "allowedSources"},
	{name: "a trunk source must be an address or a prefix", method: "POST", path: "/api/v1/instances/{a}/trunks", key: "a",
		body: `{"name":"New","allowedSources":["10.0.0.0/8","carrier.example.com"]}`, status: 422, field: "allowedSources[1]"},
	{name: "a new trunk's username needs a password", method: "POST", path: "/api/v1/instances/{a}/trunks", key: "a",
		body: `{"name":"New","username":"pbx","id":"{a.trunk}","version":1}`, status: 422, field: "password"},
	{name: "a trunk password needs a username", method: "PUT", path: "/api/v1/instances/{a}/trunks/{a.trunk}", key: "a",
		body: `{"name":"Carrier","allowedSources":["192.0.2.0/24"],"password":"orphan-password"}`, status: 422, field: "username", not: []string{"orphan-password"}},
	{name: "a trunk codec must be G.711", method: "POST", path: "/api/v1/instances/{a}/trunks", key: "a",
		body: `{"name":"New","allowedSources":["::1"],"codecs":["PCMU","G729"]}`, status: 422, field: "codecs[1]"},
	{name: "a trunk transport must be known", method: "PUT", path: "/api/v1/instances/{a}/trunks/{a.trunk}", key: "a",
		body: `{"name":"Carrier","allowedSources":["192.0.2.0/24"],"transport":"ws"}`, status: 422, field: "transport"},
	{name: "the number caller ID policy needs a default caller ID", method: "POST", path: "/api/v1/instances/{a}/trunks", key: "a",
		body: `{"name":"New","allowedSources":["::1"],"callerIdPolicy":"number"}`, status: 422, field: "defaultCallerId"},
	{name: "a trunk outbound proxy must be a host and port", method: "POST", path: "/api/v1/instances/{a}/trunks", key: "a",
		body: `{"name":"New","allowedSources":["::1"],"outboundProxy":"sip:bob@pbx.example.com"}`, status: 422, field: "outboundProxy"},
	{name: "a trunk name is unique in its instance", method: "POST", path: "/api/v1/instances/{a}/trunks", key: "a",
		body: `{"name":"Carrier","allowedSources":["::1"]}`, status: 409, field: "name"},
	{name: "another instance's trunk cannot be read", method: "GET", path: "/api/v1/instances/{a}/trunks/{b.trunk}", key: "a", status: 404,
		not: []string{"pbx-b"}},
	{name: "a permission must be known", method: "POST", path: "/api/v1/instances/{a}/security-profiles", key: "a",
		body: `{"name":"Root","permissions":["agent.ccp","root.everything"]}`, status: 422, field: "permissions[1]"},
	{name: "voice concurrency is at most one", method: "POST", path: "/api/v1/instances/{a}/routing-profiles", key: "a",
		body: `{"name":"Greedy","queues":[],"mediaConcurrencies":[{"channel":"VOICE","concurrency":2}]}`, status: 422, field: "mediaConcurrencies[0].concurrency"},
	{name: "a routing channel must be known", method: "POST", path: "/api/v1/instances/{a}/routing-profiles", key: "a",
		body: `{"name":"Fax","queues":[{"queueId":"{a.queue}","channel":"FAX"}]}`, status: 422, field: "queues[0].channel"},
	{name: "a prompt name cannot hold a newline", method: "POST", path: "/api/v1/instances/{a}/prompts", key: "a",
		body: `{"name":"two\nlines"}`, status: 422, field: "name"},
	{name: "an instance alias must be a DNS label", method: "POST", path: "/api/v1/instances", key: "admin",
		body: `{"alias":"Bad Alias"}`, status: 422, field: "alias"},
	{name: "an API key needs a name", method: "POST", path: "/api/v1/instances/{a}/api-keys", key: "a",
		body: `{}`, status: 422, field: "name"},
	{name: "an API key cannot expire in the past", method: "POST", path: "/api/v1/admin/api-keys", key: "admin",
		body: `{"name":"old","expiresAt":"2001-01-01T00:00:00Z"}`, status: 422, field: "expiresAt"},
	{name: "a flow the validator refuses is not published", method: "POST", path: "/api/v1/instances/{a}/flows/{a.flow}/publish", key: "a",
		setup: func(t *testing.T, f *fixture) {
			fl := get(t, f.st.Flows, f.id("a"), f.id("a.flow"))
			fl.Content = json.RawMessage(`{"Version":"2019-10-30","StartAction":"x","Actions":[{"Identifier":"x","Type":"` + rejectMarker + `"}]}`)
			mustDo(t, f.st.Flows.Update(context.Background(), f.id("a"), fl, 0))
		},
		status: 422, field: "Actions[0].Type",
		check: func(t *testing.T, f *fixture, r *response) {
			if fl := get(t, f.st.Flows, f.id("a"), f.id("a.flow")); fl.PublishedVersion != 0 {
				t.Fatalf("refused flow was published: %+v", fl)
			}
		}},

	{name: "an import needs content", method: "POST", path: "/api/v1/instances/{a}/flows:import", key: "a",
		body: `{"name":"Empty"}`, status: 422, field: "content"},
	{name: "an import whose document is not JSON is refused", method: "POST", path: "/api/v1/instances/{a}/flows:import", key: "a",
		body: `{"name":"Broken","content":"{\"Version\": "}`, status: 400, field: "content"},
	{name: "an import with an unknown action type is refused", method: "POST", path: "/api/v1/instances/{a}/flows:import", key: "a",
		body:   `{"name":"Odd","content":{"Version":"2019-10-30","StartAction":"x","Actions":[{"Identifier":"x","Type":"TeleportCaller","Parameters":{},"Transitions":{}}]}}`,
		status: 422, want: []string{"TeleportCaller"}},
	{name: "an import cannot take a name already used", method: "POST", path: "/api/v1/instances/{a}/flows:import", key: "a",
		body: `{"name":"Main menu","content":` + importableFlow + `}`, status: 409, field: "name"},
	{name: "an export version that is not a number is refused", method: "GET", path: "/api/v1/instances/{a}/flows/{a.flow}/export?version=latest", key: "a",
		status: 400, field: "version"},
	{name: "an export of an unpublished version is not found", method: "GET", path: "/api/v1/instances/{a}/flows/{a.flow}/export?version=3", key: "a",
		status: 404},

	// Names and numbers already taken.
	{name: "a queue name taken in the instance is a conflict", method: "POST", path: "/api/v1/instances/{a}/queues", key: "a",
		body: `{"name":"Billing","hoursOfOperationId":"{a.hours}"}`, status: 409, field: "name"},
	{name: "a username taken in the instance is a conflict", method: "POST", path: "/api/v1/instances/{a}/users", key: "a",
		body: `{"username":"alice","securityProfileIds":["{a.sp.agent}"],"password":"long enough pass"}`, status: 409, field: "username"},
	{name: "a number another instance claimed is a conflict", method: "POST", path: "/api/v1/instances/{a}/phone-numbers", key: "a",
		body: `{"number":"{b.number}"}`, status: 409, field: "number", not: []string{"{b}", "{b.phone}"}},
	{name: "an alias taken by another instance is a conflict", method: "PUT", path: "/api/v1/instances/{a}", key: "a",
		body: `{"alias":"{b.alias}"}`, status: 409, field: "alias", not: []string{"{b}"}},
	{name: "a new instance cannot take an existing alias", method: "POST", path: "/api/v1/instances", key: "admin",
		body: `{"alias":"{a.alias}"}`, status: 409, field: "alias"},

	// Agent statuses.
	{name: "an agent status name taken in the instance is a conflict", method: "POST", path: "/api/v1/instances/{a}/agent-statuses", key: "a",
		setup: seedAgentStatuses, body: `{"name":"Lunch"}`, status: 409, field: "name"},
	{name: "renaming an agent status to a taken name is a conflict", method: "PUT", path: "/api/v1/instances/{a}/agent-statuses/{a.as.training}", key: "a",
		setup: func(t *testing.T, f *fixture) {
			seedAgentStatuses(t, f)
			s := &core.AgentStatus{Name: "Training"}
			mustDo(t, f.st.AgentStatuses.Create(context.Background(), f.id("a"), s))
			f.vars["a.as.training"] = s.ID
		},
		body: `{"name":"Lunch"}`, status: 409, field: "name", want: []string{"already taken"}},
	{name: "an agent status type must be known", method: "POST", path: "/api/v1/instances/{a}/agent-statuses", key: "a",
		body: `{"name":"Break","type":"BREAK"}`, status: 422, field: "type"},
	{name: "an agent status state must be known", method: "POST", path: "/api/v1/instances/{a}/agent-statuses", key: "a",
		body: `{"name":"Break","state":"PAUSED"}`, status: 422, field: "state"},
	{name: "a second ROUTABLE agent status cannot be created", method: "POST", path: "/api/v1/instances/{a}/agent-statuses", key: "a",
		body: `{"name":"Ready","type":"ROUTABLE"}`, status: 422, field: "type", want: []string{"must be CUSTOM"}},
	{name: "an OFFLINE agent status cannot be created", method: "POST", path: "/api/v1/instances/{a}/agent-statuses", key: "a",
		body: `{"name":"Gone","type":"OFFLINE"}`, status: 422, field: "type"},
	{name: "a custom agent status cannot take a system status's name", method: "POST", path: "/api/v1/instances/{a}/agent-statuses", key: "a",
		body: `{"name":"available"}`, status: 422, field: "name", want: []string{"reserved"}},
	{name: "an agent status needs a name", method: "POST", path: "/api/v1/instances/{a}/agent-statuses", key: "a",
		body: `{"name":" "}`, status: 422, field: "name"},
	{name: "an agent status name is at most 127 characters", method: "POST", path: "/api/v1/instances/{a}/agent-statuses", key: "a",
		body: `{"name":"` + strings.Repeat("n", 128) + `"}`, status: 422, field: "name"},
	{name: "an agent status display order is at most 50", method: "POST", path: "/api/v1/instances/{a}/agent-statuses", key: "a",
		body: `{"name":"Break","displayOrder":51}`, status: 422, field: "displayOrder"},
	{name: "a system agent status cannot be renamed", method: "PUT", path: "/api/v1/instances/{a}/agent-statuses/{a.as.available}", key: "a",
		setup: seedAgentStatuses, body: `{"name":"Ready"}`, status: 422, field: "name", want: []string{"cannot be renamed"}},
	{name: "a system agent status cannot be disabled", method: "PUT", path: "/api/v1/instances/{a}/agent-statuses/{a.as.offline}", key: "a",
		setup: seedAgentStatuses, body: `{"name":"Offline","state":"DISABLED"}`, status: 422, field: "state"},
	{name: "a system agent status cannot become CUSTOM", method: "PUT", path: "/api/v1/instances/{a}/agent-statuses/{a.as.available}", key: "a",
		setup: seedAgentStatuses, body: `{"name":"Ready","type":"CUSTOM"}`, status: 422, field: "type", want: []string{"system status"}},
	{name: "a custom agent status cannot become ROUTABLE", method: "PUT", path: "/api/v1/instances/{a}/agent-statuses/{a.as.lunch}", key: "a",
		setup: seedAgentStatuses, body: `{"name":"Available","type":"ROUTABLE"}`, status: 422, field: "type"},
	{name: "a system agent status cannot be deleted", method: "DELETE", path: "/api/v1/instances/{a}/agent-statuses/{a.as.offline}", key: "a",
		setup: seedAgentStatuses, status: 409, field: "type", want: []string{"cannot be deleted"}},
	{name: "another instance's agent status cannot be deleted", method: "DELETE", path: "/api/v1/instances/{a}/agent-statuses/{b.as.lunch}", key: "a",
		setup: seedAgentStatuses, status: 404},

	// Query strings and paths.
	{name: "a page size of zero is refused", method: "GET", path: "/api/v1/instances/{a}/queues?maxResults=0", key: "a", status: 400, field: "maxResults"},
	{name: "a page size over the maximum is refused", method: "GET", path: "/api/v1/instances?maxResults=1001", key: "admin", status: 400, field: "maxResults"},
	{name: "a page size that is not a number is refused", method: "GET", path: "/api/v1/instances/{a}/api-keys?maxResults=ten", key: "a", status: 400, field: "maxResults"},
	{name: "a page token the API did not issue is refused", method: "GET", path: "/api/v1/instances/{a}/users?nextToken=%25%25%25", key: "a", status: 422, field: "nextToken"},
	{name: "a flow version that is not a number is refused", method: "GET", path: "/api/v1/instances/{a}/flows/{a.flow}/versions/latest", key: "a", status: 400, field: "version"},
	{name: "flow version zero is refused", method: "GET", path: "/api/v1/instances/{a}/flows/{a.flow}/versions/0", key: "a", status: 400, field: "version"},
	{name: "an unpublished flow version is not found", method: "GET", path: "/api/v1/instances/{a}/flows/{a.flow}/versions/9", key: "a", status: 404},
	{name: "getting a missing resource is not found", method: "GET", path: "/api/v1/instances/{a}/quick-connects/{missing}", key: "a", status: 404},
	{name: "updating a missing resource is not found", method: "PUT", path: "/api/v1/instances/{a}/prompts/{missing}", key: "a",
		body: `{"name":"Ghost"}`, status: 404},
	{name: "deleting a missing resource is not found", method: "DELETE", path: "/api/v1/instances/{a}/hours-of-operation/{missing}", key: "a", status: 404},
	{name: "an unknown API path is not found", method: "GET", path: "/api/v1/instances/{a}/widgets", key: "a", status: 404, want: []string{"no API route"}},
	{name: "a known path with the wrong method is 405 with Allow", method: "PATCH", path: "/api/v1/instances/{a}/queues/{a.queue}", key: "a",
		body: `{"maxContacts":1}`, status: 405,
		check: func(t *testing.T, f *fixture, r *response) {
			if got := r.header.Get("Allow"); got != "DELETE, GET, PUT" {
				t.Fatalf("Allow %q, want DELETE, GET, PUT", got)
			}
		}},
	{name: "deleting a collection is 405", method: "DELETE", path: "/api/v1/instances/{a}/queues", key: "a", status: 405},

	// Prompt audio.
	{name: "prompt audio must be declared as WAV", method: "PUT", path: "/api/v1/instances/{a}/prompts/{a.prompt}/audio", key: "a",
		raw: testWAV(), header: map[string]string{"Content-Type": "audio/mpeg"}, status: 415, field: "Content-Type"},
	{name: "prompt audio that is not a WAV file is refused", method: "PUT", path: "/api/v1/instances/{a}/prompts/{a.prompt}/audio", key: "a",
		raw: []byte("ID3 this is an mp3, honest"), header: wavHeader, status: 422, field: "body"},
	{name: "prompt audio at an unsupported rate is refused", method: "PUT", path: "/api/v1/instances/{a}/prompts/{a.prompt}/audio", key: "a",
		raw: wavAt(4000), header: wavHeader, status: 422, field: "body", want: []string{"4000"}},
	{name: "audio of a missing prompt is not found", method: "PUT", path: "/api/v1/instances/{a}/prompts/{missing}/audio", key: "a",
		raw: testWAV(), header: wavHeader, status: 404},
	{name: "a prompt without audio has none to download", method: "GET", path: "/api/v1/instances/{a}/prompts/{a.prompt}/audio", key: "a", status: 404},
}

func wavAt(rate int) []byte {
	w := testWAV()
	w[24], w[25], w[26], w[27] = byte(rate), byte(rate>>8), byte(rate>>16), byte(rate>>24)
	return w
}

func TestBadInputIsRefusedNamingTheFieldAndWritesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		runScenarios(t, newTestEnv(t, st), badInput)
	})
}

// authScenarios: who may call what. Another instance's resources look
// exactly like missing ones (404), deployment-only routes are 403 for an
// instance key, and nothing is written.
var authScenarios = []scenario{
	{name: "no key is 401 with a challenge", method: "GET", path: "/api/v1/instances/{a}/queues", status: 401,
		check: wantChallenge},
	{name: "no key cannot create", method: "POST", path: "/api/v1/instances/{a}/queues",
		body: `{"name":"Support","hoursOfOperationId":"{a.hours}"}`, status: 401, check: wantChallenge},
	{name: "basic auth is 401", method: "GET", path: "/api/v1/instances", header: map[string]string{"Authorization": "Basic YWRtaW46YWRtaW4="}, status: 401},
	{name: "a key too short to be one is 401", method: "GET", path: "/api/v1/instances", header: map[string]string{"Authorization": "Bearer sbk_x"}, status: 401},
	{name: "an unknown key is 401", method: "DELETE", path: "/api/v1/instances/{a}", header: map[string]string{"Authorization": "Bearer sbk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"},
		status: 401, want: []string{"not valid"}, check: wantChallenge},
	{name: "an expired key is 401", method: "GET", path: "/api/v1/instances/{a}", key: "a", status: 401,
		setup: func(t *testing.T, f *fixture) {
			_, err := f.st.DB().Exec(`UPDATE api_keys SET expires_at = $1 WHERE id = $2`, time.Now().Add(-time.Minute).UTC(), f.id("a.key"))
			mustDo(t, err)
		}},
	{name: "the bearer scheme is case-insensitive", method: "GET", path: "/api/v1/instances/{a}", status: 200,
		setup:  func(t *testing.T, f *fixture) { f.vars["a.token"] = f.keys["a"] },
		header: map[string]string{"Authorization": "bearer {a.token}"}, want: []string{`"id":"{a}"`}},

	// Deployment-only routes.
	{name: "an instance key cannot create instances", method: "POST", path: "/api/v1/instances", key: "a",
		body: `{"alias":"mine-{n}"}`, status: 403},
	{name: "an instance key cannot delete its instance", method: "DELETE", path: "/api/v1/instances/{a}", key: "a", status: 403},
	{name: "an instance key cannot list deployment keys", method: "GET", path: "/api/v1/admin/api-keys", key: "a", status: 403},
	{name: "an instance key cannot mint a deployment key", method: "POST", path: "/api/v1/admin/api-keys", key: "a",
		body: `{"name":"escalate"}`, status: 403},
	{name: "an instance key cannot revoke a deployment key", method: "DELETE", path: "/api/v1/admin/api-keys/{admin.key}", key: "a", status: 403},

	// Another instance through its own path: 404, as if it did not exist.
	{name: "a key cannot read another instance", method: "GET", path: "/api/v1/instances/{a}", key: "b", status: 404, not: []string{`"alias":"{a.alias}"`}},
	{name: "a key cannot rename another instance", method: "PUT", path: "/api/v1/instances/{a}", key: "b",
		body: `{"alias":"taken-over-{n}"}`, status: 404},
	{name: "a key cannot list another instance's queues", method: "GET", path: "/api/v1/instances/{a}/queues", key: "b", status: 404, not: []string{"{a.queue}"}},
	{name: "a key cannot create in another instance", method: "POST", path: "/api/v1/instances/{a}/queues", key: "b",
		body: `{"name":"Planted","hoursOfOperationId":"{a.hours}"}`, status: 404},
	{name: "a key cannot update another instance's queue", method: "PUT", path: "/api/v1/instances/{a}/queues/{a.queue}", key: "b",
		body: `{"name":"Hijacked","hoursOfOperationId":"{a.hours}"}`, status: 404},
	{name: "a key cannot delete another instance's user", method: "DELETE", path: "/api/v1/instances/{a}/users/{a.user}", key: "b", status: 404},
	{name: "a key cannot publish another instance's flow", method: "POST", path: "/api/v1/instances/{a}/flows/{a.flow}/publish", key: "b", status: 404},
	{name: "a key cannot mint keys for another instance", method: "POST", path: "/api/v1/instances/{a}/api-keys", key: "b",
		body: `{"name":"escalate"}`, status: 404},
	{name: "a key cannot list another instance's keys", method: "GET", path: "/api/v1/instances/{a}/api-keys", key: "b", status: 404, not: []string{"{a.key}"}},
	{name: "a key cannot list another instance's contacts", method: "GET", path: "/api/v1/instances/{a}/contacts", key: "b",
		setup: seedContacts, status: 404, not: []string{"{a.contact}"}},
	{name: "a key cannot read another instance's contact", method: "GET", path: "/api/v1/instances/{a}/contacts/{a.contact}", key: "b",
		setup: seedContacts, status: 404, not: []string{"Ann-a"}},
	{name: "a key cannot update another instance's contact attributes", method: "POST", path: "/api/v1/instances/{a}/contacts/{a.contact}/attributes", key: "b",
		setup: seedContacts, body: `{"Attributes":{"k":"v"}}`, status: 404},
	{name: "a key cannot read another instance's transcript", method: "GET", path: "/api/v1/instances/{a}/contacts/{a.contact}/transcript", key: "b",
		setup: seedContacts, status: 404, not: []string{"hello from a"}},
	{name: "a key cannot download another instance's call recording", method: "GET", path: "/api/v1/instances/{a}/contacts/{a.recorded}/recording", key: "b",
		setup: seedRecording, status: 404, not: []string{"RIFF"}},
	{name: "a key cannot list another instance's contact records", method: "GET", path: "/api/v1/instances/{a}/contact-records", key: "b",
		setup: seedContacts, status: 404, not: []string{"{a.ended}"}},
	{name: "no key cannot read contacts", method: "GET", path: "/api/v1/instances/{a}/contacts/{a.contact}", setup: seedContacts, status: 401,
		check: wantChallenge},
	{name: "a key cannot upload another instance's prompt audio", method: "PUT", path: "/api/v1/instances/{a}/prompts/{a.prompt}/audio", key: "b",
		raw: testWAV(), header: wavHeader, status: 404},

	// Another instance's IDs under one's own instance: 404 too.
	{name: "another instance's queue is not found", method: "GET", path: "/api/v1/instances/{a}/queues/{b.queue}", key: "a", status: 404, not: []string{"Billing"}},
	{name: "another instance's queue cannot be updated", method: "PUT", path: "/api/v1/instances/{a}/queues/{b.queue}", key: "a",
		body: `{"name":"Hijacked","hoursOfOperationId":"{a.hours}"}`, status: 404},
	{name: "another instance's prompt cannot be deleted", method: "DELETE", path: "/api/v1/instances/{a}/prompts/{b.prompt}", key: "a", status: 404},
	{name: "another instance's flow cannot be published", method: "POST", path: "/api/v1/instances/{a}/flows/{b.flow}/publish", key: "a", status: 404},
	{name: "another instance's flow versions are not found", method: "GET", path: "/api/v1/instances/{a}/flows/{b.flow}/versions", key: "a",
		setup: func(t *testing.T, f *fixture) {
			_, err := f.st.PublishFlow(context.Background(), f.id("b"), f.id("b.flow"), 0)
			mustDo(t, err)
		}, status: 404},
	{name: "another instance's flow version is not found", method: "GET", path: "/api/v1/instances/{a}/flows/{b.flow}/versions/1", key: "a",
		setup: func(t *testing.T, f *fixture) {
			_, err := f.st.PublishFlow(context.Background(), f.id("b"), f.id("b.flow"), 0)
			mustDo(t, err)
		}, status: 404, not: []string{"StartAction"}},
	{name: "another instance's prompt audio is not found", method: "GET", path: "/api/v1/instances/{a}/prompts/{b.prompt}/audio", key: "a",
		setup: func(t *testing.T, f *fixture) { uploadAudio(t, f, "b") }, status: 404},
	{name: "another instance's prompt audio cannot be replaced", method: "PUT", path: "/api/v1/instances/{a}/prompts/{b.prompt}/audio", key: "a",
		raw: testWAV(), header: wavHeader, status: 404},
	{name: "another instance's flow cannot be exported", method: "GET", path: "/api/v1/instances/{a}/flows/{b.flow}/export", key: "a", status: 404,
		not: []string{"StartAction"}},
	{name: "a key cannot import into another instance", method: "POST", path: "/api/v1/instances/{a}/flows:import", key: "b",
		body: `{"name":"Planted","content":` + importableFlow + `}`, status: 404},
	{name: "another instance's API key is not found", method: "GET", path: "/api/v1/instances/{a}/api-keys/{b.key}", key: "a", status: 404},
	{name: "another instance's API key cannot be revoked", method: "DELETE", path: "/api/v1/instances/{a}/api-keys/{b.key}", key: "a", status: 404},
	{name: "an instance key is not a deployment key", method: "GET", path: "/api/v1/admin/api-keys/{a.key}", key: "admin", status: 404},
	{name: "an instance key cannot be revoked as a deployment key", method: "DELETE", path: "/api/v1/admin/api-keys/{a.key}", key: "admin", status: 404},
	{name: "a queue cannot use another instance's hours", method: "POST", path: "/api/v1/instances/{a}/queues", key: "a",
		body: `{"name":"Support","hoursOfOperationId":"{b.hours}"}`, status: 422, field: "hoursOfOperationId"},
	{name: "a user cannot get another instance's security profile", method: "PUT", path: "/api/v1/instances/{a}/users/{a.user}", key: "a",
		body: `{"username":"alice","securityProfileIds":["{b.sp.admin}"]}`, status: 422, field: "securityProfileIds[0]"},
	{name: "a routing profile cannot serve another instance's queue", method: "POST", path: "/api/v1/instances/{a}/routing-profiles", key: "a",
		body: `{"name":"Spy","queues":[{"queueId":"{b.queue}","channel":"VOICE"}]}`, status: 422, field: "queues[0].queueId"},
	{name: "a queue cannot list another instance's quick connect", method: "POST", path: "/api/v1/instances/{a}/queues", key: "a",
		body: `{"name":"Support","hoursOfOperationId":"{a.hours}","quickConnectIds":["{b.qc}"]}`, status: 422, field: "quickConnectIds[0]"},
	{name: "a quick connect cannot reach another instance's user", method: "POST", path: "/api/v1/instances/{a}/quick-connects", key: "a",
		body: `{"name":"Spy","type":"USER","userId":"{b.user}"}`, status: 422, field: "userId"},
	{name: "a phone number cannot start another instance's flow", method: "PUT", path: "/api/v1/instances/{a}/phone-numbers/{a.phone}", key: "a",
		body: `{"number":"{a.number}","flowId":"{b.flow}"}`, status: 422, field: "flowId"},

	// An admin key naming an instance that does not exist.
	{name: "listing resources of a missing instance is not found", method: "GET", path: "/api/v1/instances/{missing}/queues", key: "admin", status: 404},
	{name: "listing keys of a missing instance is not found", method: "GET", path: "/api/v1/instances/{missing}/api-keys", key: "admin", status: 404},
	{name: "creating in a missing instance is not found", method: "POST", path: "/api/v1/instances/{missing}/prompts", key: "admin",
		body: `{"name":"Orphan"}`, status: 404},
	{name: "minting a key for a missing instance is not found", method: "POST", path: "/api/v1/instances/{missing}/api-keys", key: "admin",
		body: `{"name":"orphan"}`, status: 404},
	{name: "deleting a missing instance is not found", method: "DELETE", path: "/api/v1/instances/{missing}", key: "admin", status: 404},
	{name: "an empty instance lists nothing rather than 404", method: "GET", path: "/api/v1/instances/{empty}/quick-connects", key: "admin", status: 200,
		setup: func(t *testing.T, f *fixture) {
			in := &core.Instance{Alias: f.expand(t, "empty-{n}")}
			mustDo(t, f.st.CreateInstance(context.Background(), in))
			f.vars["empty"] = in.ID
		},
		want: []string{`"items":[]`}},
}

func wantChallenge(t *testing.T, _ *fixture, r *response) {
	t.Helper()
	if !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer ") {
		t.Fatalf("401 without a Bearer challenge: WWW-Authenticate %q", r.header.Get("WWW-Authenticate"))
	}
}

func TestKeysReachOnlyWhatTheyMay(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		runScenarios(t, newTestEnv(t, st), authScenarios)
	})
}

// TestForeignIDsLookExactlyLikeMissingOnes: whatever the request, the answer
// for another instance's resource is byte for byte the answer for an ID that
// exists nowhere, so a client cannot probe for other tenants' IDs.
func TestForeignIDsLookExactlyLikeMissingOnes(t *testing.T) {
	cases := []struct{ method, path, body, theirs string }{
		{"GET", "/api/v1/instances/{a}/queues/ID", "", "b.queue"},
		{"PUT", "/api/v1/instances/{a}/queues/ID", `{"name":"Billing","hoursOfOperationId":"{a.hours}"}`, "b.queue"},
		{"DELETE", "/api/v1/instances/{a}/queues/ID", "", "b.queue"},
		{"GET", "/api/v1/instances/{a}/users/ID", "", "b.user"},
		{"DELETE", "/api/v1/instances/{a}/hours-of-operation/ID", "", "b.hours"},
		{"POST", "/api/v1/instances/{a}/flows/ID/publish", "", "b.flow"},
		{"GET", "/api/v1/instances/{a}/flows/ID/versions", "", "b.flow"},
		{"GET", "/api/v1/instances/{a}/flows/ID/versions/1", "", "b.flow"},
		{"GET", "/api/v1/instances/{a}/prompts/ID/audio", "", "b.prompt"},
		{"GET", "/api/v1/instances/{a}/flows/ID/export", "", "b.flow"},
		{"GET", "/api/v1/instances/{a}/api-keys/ID", "", "b.key"},
		{"DELETE", "/api/v1/instances/{a}/api-keys/ID", "", "b.key"},
		{"GET", "/api/v1/instances/ID", "", "b"},
		{"GET", "/api/v1/instances/ID/queues", "", "b"},
		{"POST", "/api/v1/instances/{a}/queues", `{"name":"New","hoursOfOperationId":"ID"}`, "b.hours"},
		{"POST", "/api/v1/instances/{a}/routing-profiles", `{"name":"New","queues":[{"queueId":"ID","channel":"VOICE"}]}`, "b.queue"},
		{"GET", "/api/v1/instances/{a}/contacts/ID", "", "b.contact"},
		{"GET", "/api/v1/instances/{a}/contacts/ID/attributes", "", "b.contact"},
		{"POST", "/api/v1/instances/{a}/contacts/ID/attributes", `{"Attributes":{"k":"v"}}`, "b.contact"},
		{"GET", "/api/v1/instances/{a}/contacts/ID/transcript", "", "b.contact"},
		{"GET", "/api/v1/instances/{a}/contact-records/ID", "", "b.ended"},
	}
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newTestEnv(t, st)
		f := e.newFixture(t)
		uploadAudio(t, f, "b")
		seedContacts(t, f)
		_, err := st.PublishFlow(context.Background(), f.id("b"), f.id("b.flow"), 0)
		mustDo(t, err)
		for _, c := range cases {
			t.Run(c.method+" "+c.path, func(t *testing.T) {
				answer := func(id string) (int, string) {
					t.Helper()
					before := e.fingerprint(t)
					var body []byte
					if c.body != "" {
						body = []byte(f.expand(t, strings.ReplaceAll(c.body, "ID", id)))
					}
					r := f.call(t, c.method, strings.ReplaceAll(c.path, "ID", id), "a", body, nil)
					if after := e.fingerprint(t); after != before {
						t.Fatalf("%s %s wrote to the store", c.method, c.path)
					}
					return r.status, strings.ReplaceAll(string(r.body), id, "ID")
				}
				s1, b1 := answer(f.id(c.theirs))
				s2, b2 := answer(f.id("missing"))
				if s1 != s2 || b1 != b2 || s1 < 400 {
					t.Fatalf("another instance's ID answers\n%d %s\nbut a missing ID answers\n%d %s", s1, b1, s2, b2)
				}
			})
		}
		if logs := e.logs.take(); logs != "" {
			t.Fatalf("server logged:\n%s", logs)
		}
	})
}

// FuzzDecodeNeverPanicsAndNamesAField feeds arbitrary bodies to the strict
// decoder for every request type: it must either accept the body or refuse
// it with a 400 naming a field, and never panic.
func FuzzDecodeNeverPanicsAndNamesAField(f *testing.F) {
	for _, sc := range badInput {
		if sc.body != "" {
			f.Add([]byte(sc.body))
		}
	}
	for _, s := range []string{`{}`, `null`, `{"expiresAt":"x"}`, `{"createdAt":{}}`, `{"content":[`, `{"queues":[{"priority":1e999}]}`, "\xff"} {
		f.Add([]byte(s))
	}
	types := []reflect.Type{typeOf[instanceInput](), typeOf[apiKeyInput](), typeOf[userT](), typeOf[securityProfileT](),
		typeOf[hoursT](), typeOf[queueT](), typeOf[routingProfileT](), typeOf[phoneNumberT](), typeOf[flowT](),
		typeOf[promptT](), typeOf[quickConnectT](), typeOf[functionT](), typeOf[trunkT](), typeOf[StartChatInput](), typeOf[ContactAttributes]()}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, typ := range types {
			err := decodeBytes(body, reflect.New(typ).Interface())
			if err == nil {
				continue
			}
			ae, ok := err.(*apiError)
			if !ok || ae.status != 400 || len(ae.fields) != 1 || ae.fields[0].Field == "" || !strings.Contains(ae.detail, ae.fields[0].Field) {
				t.Fatalf("decoding %q into %s: %#v does not name a field", body, typ, err)
			}
		}
	})
}
