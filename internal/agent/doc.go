// Package agent is the agent side of Switchboard: logging in, and the agent
// WebSocket API (/api/v1/agent) through which an agent's console sets its
// status, receives offers, accepts, chats, ends contacts and completes
// after-contact work. The protocol is specified in docs/agent-api.md.
//
// # Pieces
//
//   - [Authenticator] checks a username and password against the instance's
//     users (argon2id, internal/auth) and issues session tokens: 256 random
//     bits with the prefix sbs_, kept as SHA-256 with an expiry. Sessions are
//     in memory for now: they do not survive a restart and are not shared
//     between processes.
//   - [Hub] serves the WebSocket of one instance. It is the router's
//     [routing.Sink] (or part of it: the wiring may fan events out): each
//     event about an agent becomes a message in that agent's stream, numbered
//     by a per-agent sequence and kept in a bounded buffer, so a console that
//     reconnects with resume gets what it missed.
//   - [Mux] serves /api/v1/agent for every instance: after hello it hands the
//     connection to the hub of the session's instance.
//   - The hub depends on small interfaces, not on the packages' types:
//     [Router] (the subset of *routing.Router), [Contacts] (of
//     *contact.Manager) and [Chats]/[ChatMember] (of *chat.Service and
//     *chat.Member; [ChatService] adapts the real one).
//
// # Decisions
//
//   - The router is the authority on which contacts an agent holds: every
//     action on a contact first reads the agent's slots from the router and
//     is refused with not_your_contact when the contact is not among them, so
//     an agent can never act on another agent's contact, whatever IDs its
//     console sends.
//   - An agent's stream outlives its connections. A dropped connection starts
//     a grace period (Config.GracePeriod) during which the agent keeps its
//     status, offers and contacts; a hello or resume within it cancels it.
//     When it runs out the agent is set Offline, which withdraws its pending
//     offers; connected contacts and after-contact work stay (the router's
//     rule for going unavailable).
//   - One connection per agent: a new hello replaces the previous connection,
//     which receives session_replaced and is closed.
//   - Chat: the agent joins a chat as a [chat.Member] (role AGENT, its display
//     name) when the contact connects, and leaves it when after-contact work
//     starts (the contact ended or was transferred away). Other participants'
//     messages, typing and receipts become message, typing and receipt
//     events. The chat is the contact's first one's (InitialContactId), and
//     the agent's participant ID is derived from (contact, agent), so an
//     agent rejoins as itself after a restart.
//   - endContact records AGENT_DISCONNECT with the contact manager, ends the
//     chat for a chat contact, then tells the router; completeAcw tells the
//     router then the contact manager. Transfer goes to the Transferer when
//     one is configured (the wiring: a new, related contact as Connect
//     models it); without one it only moves the contact in the router.
package agent
