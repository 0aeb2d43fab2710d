// Package routing is Switchboard's ACD: it keeps agents' states, the contacts
// waiting in queues, and decides which contact is offered to which agent.
//
// # Model
//
// An instance has queues ([Queue]: capacity, hours, enabled), routing profiles
// ([Profile]: queues × channels with a priority and a delay, a concurrency per
// channel and a cross-channel rule) and agents ([Agent]: a profile,
// auto-accept, an after-contact-work timeout). An agent's status is chosen by
// the agent: [StatusOffline], [StatusAvailable] or one of the instance's custom
// unavailable statuses ("Lunch", "Training"). The router adds a system state
// on top: [SystemMissed] after an offer timed out and [SystemError] after a
// contact failed to connect; either stops new offers until the agent sets a
// status again, as Amazon Connect does. Each contact an agent holds occupies a
// slot on its channel, which is [SlotPending] (offered), [SlotConnected] or
// [SlotAfterContactWork].
//
// # Routing rules
//
//   - An agent is offered contacts only while its status is Available, it has
//     no system state, and it has a free slot on the contact's channel: fewer
//     contacts on that channel than the profile's concurrency, and no contact
//     on a channel whose rule is "no other channels" ([ChannelLimit]). The
//     default, like Connect's, is that work on one channel blocks the others:
//     an agent on a voice call is not offered chats, and an agent on a chat is
//     not offered calls, unless the profile allows it for that channel.
//   - The best contact for an agent is the one with the lowest profile
//     priority of its queue (1 first; the agent's personal queue counts as
//     priority 0, ahead of every queue), then the lowest contact priority
//     (UpdateContactRoutingBehavior's QueuePriority, default 5), then the
//     oldest routing age. The routing age starts when the contact entered its
//     first queue, plus its time adjustment; it survives missed offers,
//     rejections and transfers, so a returned contact goes back to its place.
//   - A contact in a queue with delay D in an agent's profile is not eligible
//     for that agent until its routing age reaches D.
//   - Among the agents a contact is eligible for, it goes to the one with the
//     fewest contacts, then the longest idle: idle time runs from the later of
//     becoming Available, the last offer received and the last contact
//     finished (so handling a contact sends an agent to the back of the line).
//   - An offer not accepted within [Config.OfferTimeout] is missed: the
//     contact goes back to its place and the agent goes to Missed. A rejected
//     contact goes back to its place and is not offered to that agent again
//     for [Config.RejectBackoff]; the agent stays Available and is offered the
//     next contact at once. Auto-accept agents are connected at once.
//   - A connected contact that ends puts its slot in after-contact work until
//     the agent completes it or the agent's timeout runs out.
//
// The router keeps one invariant after every command and timer: no pair of an
// agent able to take a contact and a contact eligible for that agent is left
// unmatched. A contact is in exactly one place (a queue line, or one agent's
// slot), so it is never offered to two agents; offers are only made to agents
// with a free slot, so capacity is never exceeded.
//
// # Concurrency
//
// One [Router] per instance owns all of this state in a single goroutine
// ([Router.Run]): methods send a command and wait for its result; timers
// (offer, after-contact work, queue delays, reject backoff) fire inside the
// same loop. No locks are held while matching. Outputs are [Event] values
// delivered in order to the [Sink] by a separate goroutine, so a slow or
// re-entrant sink never stalls routing. Queue figures for flows
// ([Router.QueueMetrics], [Router.AtCapacity], the flow engine's Metrics) are
// atomic counters the loop keeps current, readable from any goroutine. A
// waiting contact's place in line and expected wait ([Router.Position],
// [Router.Place], [Router.ExpectedWait]) are read the same way, without the
// loop: each line keeps an order-statistic tree of its waiting contacts,
// which the loop updates under a read-write lock held only for that update
// (O(log n)), and answer intervals in the atomic figures (position.go).
//
// # Wiring
//
// The wiring step builds queues, profiles and agents from the store
// ([QueueFromCore], [ProfileFromCore], [AgentFromUser]), turns events into
// agent-API messages and bus events, and turns agent actions and contact
// life-cycle changes into commands (Enqueue, Accept, Reject, EndContact,
// CompleteACW, Transfer, SetStatus, UpdateRouting). Only the holder of the
// instance's [Lease] runs the router; when the lease moves, the new holder
// rebuilds it with [Router.Restore] from a [Snapshot] (taken with
// [Router.State], or assembled from the store).
package routing
