package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/switchboard-cc/switchboard/internal/api"
	"github.com/switchboard-cc/switchboard/internal/store"
)

// The contact center (routers, agent hubs, flows of chats) runs in one
// process at a time: the one holding the contact-center lease in NATS KV
// (routing.Lease over the routing_leases bucket). Other processes sharing
// the database and the NATS cluster stand by: their /readyz answers 503 so
// that a load balancer sends them nothing, and they take over when the
// holder stops renewing (a crash: after at most leaseTTL), rebuilding every
// router from the store (rebuild.go). On the embedded default there is one
// process and it holds the lease at once.
//
// One lease for all instances, not one per instance: serving an instance's
// agents, chats and flows from another process than its router would need
// commands and chat delivery between processes, which do not exist yet.
const (
	leaseKey = "contact-center"
	leaseTTL = 10 * time.Second // a standby takes over within 10–13 s of a crash
)

// errNotActive is what the contact center answers when this process does
// not serve it (starting, stopping, or standing by).
var errNotActive = fmt.Errorf("the contact center is not active in this process (starting, stopping, or standing by while another process holds its lease): %w", api.ErrUnavailable)

// ready is the readiness check: ready while this process serves the
// contact center.
func (cc *contactCenter) ready(context.Context) error {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if cc.runCtx == nil {
		return errors.New("standby: the contact center is served by the process holding its lease")
	}
	return nil
}

// holderID names this process in the lease.
func holderID() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s/%d/%s", host, os.Getpid(), store.NewID())
}
