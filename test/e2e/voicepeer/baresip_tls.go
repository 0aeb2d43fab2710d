package voicepeer

import (
	"context"
	"net"
	"strconv"
	"testing"
)

// RunBaresipTLS is RunBaresip for a call over SIP/TLS: o.Dial must carry
// ";transport=tls" (e.g. "sip:+15550100@127.0.0.1:5061;transport=tls"),
// which is what makes baresip 1.0.0 use TLS (the account needs nothing).
// caFile is the PEM certificate given as baresip's sip_cafile.
//
// Beware: baresip 1.0.0 (libre 1.x) loads caFile but does NOT verify the
// server's certificate: a call succeeds with an unrelated CA. Check the
// certificate some other way (crypto/tls) if that matters.
//
// Baresip listens for TLS on its SIP port + 1, so o.SIPPort (if 0, one is
// picked) must leave that TCP port free too. The media stays RTP over UDP.
// The log carries baresip's SIP trace (-s).
func RunBaresipTLS(ctx context.Context, t testing.TB, o BaresipOptions, caFile string) BaresipResult {
	t.Helper()
	if o.LocalIP == "" {
		o.LocalIP = "127.0.0.1"
	}
	if o.SIPPort == 0 {
		o.SIPPort = freeSIPPortPair(t, o.LocalIP)
	}
	return runBaresip(ctx, t, o, "sip_cafile\t\t"+caFile+"\n")
}

// freeSIPPortPair returns a port p on ip such that UDP p, TCP p and TCP
// p+1 were free a moment ago: baresip binds UDP and TCP on its sip_listen
// port and TLS on the next one.
func freeSIPPortPair(t testing.TB, ip string) int {
	t.Helper()
	for range 200 {
		p := FreeUDPPort(t, ip)
		if p > 65530 {
			continue
		}
		var closers []func() error
		ok := true
		if pc, err := net.ListenPacket("udp", net.JoinHostPort(ip, strconv.Itoa(p))); err == nil {
			closers = append(closers, pc.Close)
		} else {
			ok = false
		}
		for i := 0; i < 2 && ok; i++ {
			l, err := net.Listen("tcp", net.JoinHostPort(ip, strconv.Itoa(p+i)))
			if err != nil {
				ok = false
				break
			}
			closers = append(closers, l.Close)
		}
		for _, c := range closers {
			_ = c()
		}
		if ok {
			return p
		}
	}
	t.Fatalf("voicepeer: no free SIP port pair on %s", ip)
	return 0
}
