package api

import (
	"net/http"
	"reflect"
)

// route is one API operation. The table of routes builds both the mux and
// the OpenAPI document, so the two cannot drift apart.
type route struct {
	method  string
	path    string // ServeMux pattern path, e.g. /api/v1/instances/{instanceId}
	op      string // OpenAPI operationId
	tag     string
	summary string
	auth    authLevel
	// in is the request body type (nil: no body); rawIn names a non-JSON body's media type.
	in    reflect.Type
	rawIn string
	// out is the success response body type (nil: no body); rawOut names a non-JSON media type.
	out    reflect.Type
	rawOut string
	status int
	query  []param
	// handler answers the request.
	handler http.HandlerFunc
}

type param struct {
	name, typ, desc string
}

var pageParams = []param{
	{"maxResults", "integer", "page size, 1 to 1000 (default 100)"},
	{"nextToken", "string", "the nextToken of the previous page"},
	{"name", "string", "only the resource with this name"},
}

func typeOf[T any]() reflect.Type { return reflect.TypeFor[T]() }

// apiRoutes declares every route of /api/v1.
func (s *Server) apiRoutes() []route {
	var rs []route
	rs = append(rs, route{method: "GET", path: "/api/v1/openapi.json", op: "getOpenAPI", tag: "Meta",
		summary: "This API's OpenAPI 3 document", auth: authNone, rawOut: "application/json", status: 200, handler: s.openAPI})
	rs = append(rs, s.instanceRoutes()...)
	rs = append(rs, s.apiKeyRoutes()...)
	rs = append(rs, crud(s, kindSpec[userT, *userT]{path: "users", tag: "Users", one: "User", repo: s.st.Users, prepare: s.prepareUser})...)
	rs = append(rs, crud(s, kindSpec[securityProfileT, *securityProfileT]{path: "security-profiles", tag: "Security profiles", one: "SecurityProfile", repo: s.st.SecurityProfiles})...)
	rs = append(rs, crud(s, kindSpec[hoursT, *hoursT]{path: "hours-of-operation", tag: "Hours of operation", one: "HoursOfOperation", repo: s.st.Hours})...)
	rs = append(rs, crud(s, kindSpec[queueT, *queueT]{path: "queues", tag: "Queues", one: "Queue", repo: s.st.Queues})...)
	rs = append(rs, crud(s, kindSpec[routingProfileT, *routingProfileT]{path: "routing-profiles", tag: "Routing profiles", one: "RoutingProfile", repo: s.st.RoutingProfiles})...)
	rs = append(rs, crud(s, kindSpec[phoneNumberT, *phoneNumberT]{path: "phone-numbers", tag: "Phone numbers", one: "PhoneNumber", repo: s.st.PhoneNumbers})...)
	rs = append(rs, crud(s, kindSpec[flowT, *flowT]{path: "flows", tag: "Flows", one: "Flow", repo: s.st.Flows, prepare: prepareFlow})...)
	rs = append(rs, s.flowRoutes()...)
	rs = append(rs, s.flowImportRoutes()...)
	rs = append(rs, crud(s, kindSpec[promptT, *promptT]{path: "prompts", tag: "Prompts", one: "Prompt", repo: s.st.Prompts, prepare: keepPromptAudio})...)
	rs = append(rs, s.promptRoutes()...)
	rs = append(rs, crud(s, kindSpec[quickConnectT, *quickConnectT]{path: "quick-connects", tag: "Quick connects", one: "QuickConnect", repo: s.st.QuickConnects})...)
	rs = append(rs, crud(s, kindSpec[functionT, *functionT]{path: "functions", tag: "Functions", one: "Function", repo: s.st.Functions, prepare: prepareFunction})...)
	rs = append(rs, crud(s, kindSpec[trunkT, *trunkT]{path: "trunks", tag: "Trunks", one: "Trunk", repo: s.st.Trunks, prepare: prepareTrunk})...)
	rs = append(rs, crud(s, kindSpec[agentStatusT, *agentStatusT]{path: "agent-statuses", tag: "Agent statuses", one: "AgentStatus", repo: s.st.AgentStatuses, prepare: prepareAgentStatus})...)
	rs = append(rs, s.chatWidgetRoutes()...)
	rs = append(rs, s.webhookRoutes()...)
	rs = append(rs, s.contactRoutes()...)
	rs = append(rs, s.recordingRoutes()...)
	rs = append(rs, s.realtimeRoutes()...)
	rs = append(rs, s.loginRoutes()...)
	return rs
}
