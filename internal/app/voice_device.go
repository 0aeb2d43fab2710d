package app

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/switchboard-cc/switchboard/internal/core"
	"github.com/switchboard-cc/switchboard/internal/flow/engine"
	"github.com/switchboard-cc/switchboard/internal/sip"
	"github.com/switchboard-cc/switchboard/internal/store"
)

// Registered desk phones: an agent's SIP phone REGISTERs to Switchboard and
// is called there.
//
// voiceChannel implements sip.Registrar, which makes the SIP server a
// registrar. A device registers with the user's username as its address of
// record (the To user) and the user's DevicePassword as its digest
// password, in realm sip.DefaultRealm (the realm of the challenge to an
// unknown AOR too, so that the two look alike). Usernames are unique per
// instance only, so the To host picks the instance when it names one, by
// ID or alias (sip:agent@acme, with the phone's outbound proxy set to
// Switchboard); any other host (an IP address, the deployment's domain)
// works when exactly one user in the deployment with a device password has
// that username. Anything else is an unknown AOR: challenged, then 403.
//
// The bindings are stored in the database (store.SIPBindings, set in
// voiceChannel.run), so they survive a restart and a standby taking the
// lease over sees them, under deviceAOR ("<instanceID>/<userID>"), not
// the username: equal usernames of two instances stay apart, and a user
// deleted and created again under the same name does not inherit the old
// one's registrations.
//
// A DESK_PHONE agent whose DeskPhoneNumber is core.DeskPhoneRegistered
// ("sip:registered") is called on the binding refreshed last (the one that
// expires last), directly at its Target, as a device (sip.DialRequest.Device:
// the ACK and BYE go where its answer came from, its RTP is accepted from
// where it registered from, which is what a phone behind NAT needs). With
// no binding the offer fails as a busy phone does: the contact goes back to
// the queue and the agent to Error (voice_agent.go).

// errNoRegisteredDevice fails a call to a registered desk phone that has
// no binding (never registered, or its registration lapsed).
var errNoRegisteredDevice = errors.New("the agent's desk phone is not registered")

// errNoOutboundTrunk fails a call to a desk phone number when no trunk of
// the instance has an outbound proxy.
var errNoOutboundTrunk = errors.New("no trunk with an outbound proxy")

// deviceAOR is the key of a user's device bindings in the SIP registrar.
func deviceAOR(instanceID, userID string) string { return instanceID + "/" + userID }

// DeviceCredentials implements sip.Registrar: the user the REGISTER is for
// (see the top of this file) and their device password. A store failure is
// logged and answered as an unknown AOR (sip.Registrar has no other
// answer; the phone retries).
func (v *voiceChannel) DeviceCredentials(ctx context.Context, r sip.Request) (sip.Credentials, bool) {
	u, err := v.deviceUser(ctx, r.ToUser, r.ToHost)
	if err != nil {
		v.log.Warn("sip: REGISTER: find the user", "aor", r.ToUser, "domain", r.ToHost, "err", err)
		return sip.Credentials{}, false
	}
	if u == nil {
		return sip.Credentials{}, false
	}
	return sip.Credentials{Realm: sip.DefaultRealm, Username: u.Username, Password: u.DevicePassword,
		AOR: deviceAOR(u.InstanceID, u.ID)}, true
}

// deviceUser finds the user with a device password whose device registers
// as username@host, or returns nil.
func (v *voiceChannel) deviceUser(ctx context.Context, username, host string) (*core.User, error) {
	if username == "" {
		return nil, nil
	}
	st := v.cc.st
	inst, err := namedInstance(ctx, st, host)
	if err != nil {
		return nil, err
	}
	if inst != nil {
		u, err := st.Users.GetByName(ctx, inst.ID, username)
		switch {
		case errors.Is(err, store.ErrNotFound):
			return nil, nil
		case err != nil:
			return nil, err
		case u.DevicePassword == "":
			return nil, nil
		}
		return u, nil
	}
	us, err := st.UsersNamed(ctx, username)
	if err != nil {
		return nil, err
	}
	var found *core.User
	for _, u := range us {
		if u.DevicePassword == "" {
			continue
		}
		if found != nil {
			return nil, nil // ambiguous: the device must name its instance
		}
		found = u
	}
	return found, nil
}

// namedInstance returns the instance a REGISTER's To host names by ID or
// alias, or nil when it names none (an IP address, a domain: aliases hold
// no dots, so they never collide with those).
func namedInstance(ctx context.Context, st *store.Store, host string) (*core.Instance, error) {
	host = strings.ToLower(strings.TrimSpace(host))
	if host == "" || strings.ContainsAny(host, ".:[") {
		return nil, nil
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return nil, nil
	}
	inst, err := st.GetInstance(ctx, host)
	if errors.Is(err, store.ErrNotFound) {
		inst, err = st.GetInstanceByAlias(ctx, host)
	}
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	return inst, err
}

// deskPhoneRequest returns the leg that calls agentID's desk phone
// DeskPhoneNumber number for the call: the registered device
// (core.DeskPhoneRegistered), a sip: URI dialled directly, or an E.164
// number through the call's trunk (or another of the instance's with an
// outbound proxy), presenting the caller as a transfer does. Its errors
// (no binding, no trunk) mean the phone cannot be reached now.
func (c *call) deskPhoneRequest(ctx context.Context, agentID, number string) (legRequest, error) {
	req := legRequest{from: c.caller, timeout: deskPhoneTimeout}
	switch {
	case number == core.DeskPhoneRegistered:
		srv := c.v.srv.Load()
		if srv == nil {
			return req, errors.New("the SIP server is not running")
		}
		bs, ok := srv.Lookup(deviceAOR(c.inst, agentID))
		if !ok {
			return req, errNoRegisteredDevice
		}
		b := latestBinding(bs)
		req.uri, req.device = b.Target(), b.Source.Addr()
		if !req.device.IsValid() { // a binding always has its source; be safe
			return req, fmt.Errorf("%w: binding %s has no source address", errNoRegisteredDevice, b.Contact)
		}
	case strings.HasPrefix(number, "sip:"):
		req.uri = number
	default:
		req.trunk = c.v.outboundTrunk(ctx, c.trunk, c.inst)
		if req.trunk == nil {
			return req, errNoOutboundTrunk
		}
		req.uri = thirdPartyURI(req.trunk, number)
		req.from, req.fromName, req.headers = callerID(req.trunk, engine.ThirdPartyRequest{}, req.from)
	}
	return req, nil
}

// latestBinding is the binding refreshed last, taken as the one that
// expires last (a Binding does not record when it was refreshed; devices
// of one user normally register for the same interval). bs is not empty.
func latestBinding(bs []sip.Binding) sip.Binding {
	best := bs[0]
	for _, b := range bs[1:] {
		if b.Expires.After(best.Expires) {
			best = b
		}
	}
	return best
}
