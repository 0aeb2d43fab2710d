package app

import (
	"testing"

	"github.com/switchboard-cc/switchboard/internal/core"
	"github.com/switchboard-cc/switchboard/internal/flow/engine"
)

func TestThirdPartyCallerIDFollowsTheTrunksPolicy(t *testing.T) {
	for _, tc := range []struct {
		name             string
		policy, def      string
		req              engine.ThirdPartyRequest
		wantNum, wantNam string
		privacy          bool
	}{
		{name: "passthrough without a flow caller ID: the caller", policy: core.CallerIDPassthrough,
			wantNum: "+15550100"},
		{name: "passthrough with the flow's caller ID", policy: core.CallerIDPassthrough,
			req: engine.ThirdPartyRequest{CallerIDNumber: "+1 555 0142", CallerIDName: "Support"}, wantNum: "+15550142", wantNam: "Support"},
		{name: "passthrough ignores a caller ID that is no number", policy: core.CallerIDPassthrough,
			req: engine.ThirdPartyRequest{CallerIDNumber: "$.Attributes.x"}, wantNum: "+15550100"},
		{name: "number", policy: core.CallerIDNumber, def: "+15550199",
			req: engine.ThirdPartyRequest{CallerIDNumber: "+15550142"}, wantNum: "+15550199"},
		{name: "anonymous", policy: core.CallerIDAnonymous,
			req: engine.ThirdPartyRequest{CallerIDNumber: "+15550142"}, wantNum: "anonymous", wantNam: "Anonymous", privacy: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr := &core.Trunk{CallerIDPolicy: tc.policy, DefaultCallerID: tc.def}
			num, name, hdrs := callerID(tr, tc.req, "+15550100")
			if num != tc.wantNum || name != tc.wantNam || (hdrs["Privacy"] == "id") != tc.privacy {
				t.Fatalf("callerID = %q %q %v, want %q %q privacy=%v", num, name, hdrs, tc.wantNum, tc.wantNam, tc.privacy)
			}
		})
	}
}

func TestThirdPartyURI(t *testing.T) {
	for _, tc := range []struct {
		proxy, transport, want string
	}{
		{"carrier.example", core.TransportUDP, "sip:+15550999@carrier.example:5060"},
		{"sip:192.0.2.1:5080", core.TransportUDP, "sip:+15550999@192.0.2.1:5080"},
		{"[2001:db8::1]", core.TransportTCP, "sip:+15550999@[2001:db8::1]:5060;transport=tcp"},
		{"carrier.example", core.TransportTLS, "sip:+15550999@carrier.example:5061;transport=tls"},
	} {
		tr := &core.Trunk{OutboundProxy: tc.proxy, Transport: tc.transport}
		if got := thirdPartyURI(tr, "+15550999"); got != tc.want {
			t.Errorf("%s/%s: %s, want %s", tc.proxy, tc.transport, got, tc.want)
		}
	}
}
