// Package chat is the customer side of chat contacts: the Amazon Connect
// Participant Service protocol that the official client, amazon-connect-chatjs,
// speaks unmodified, and the hooks that let the flow engine and agents take
// part in the same conversation.
//
// # Pieces
//
//   - Service owns the live chats of this process. StartChat mints the
//     customer participant (ContactId, ParticipantId, ParticipantToken) for
//     the contact that the contact layer created; EndChat ends a chat.
//   - Handler serves the participant API under /participant/:
//     connection, message, event, transcript, disconnect, and the WebSocket
//     whose URL /participant/connection hands out. Requests are
//     authenticated by the X-Amz-Bearer header (the participant token for
//     /participant/connection, a connection token for the rest); an
//     Authorization header signed with empty keys comes along from the AWS
//     SDK inside chatjs and is ignored. Errors are AWS-style: the HTTP status,
//     an X-Amzn-ErrorType header and {"message": "..."}.
//   - FlowParticipant implements engine.Participant for CHAT, so the flows
//     that run on voice run over chat: Play posts a SYSTEM message, Input
//     waits for the customer's next message.
//   - Member is a non-customer participant (an agent, a supervisor, a bot):
//     it posts messages and events into the chat and reads what the others
//     post. The agent API relays between a Member and the agent's console.
//   - Backend keeps what must outlive a process or be shared between
//     processes: chats, participants, hashed tokens, transcript items.
//     MemoryBackend implements it in memory. Listener hears what happens in
//     chats (items posted, participants connected, chats ended), for the
//     contact, routing, records and webhook layers.
//
// # Protocol decisions
//
// The details that chatjs 5.0.0 depends on, with the decisions made where
// Connect's documentation is silent, are in docs/chat.md. In short: items
// are delivered on the WebSocket topic aws/chat with the item as a JSON
// string in "content"; aws/subscribe, aws/heartbeat and aws/ping are answered
// as chatjs expects; messages are limited to 16,384 bytes of content (the
// Participant Service's documented limit for every content type); a chat
// that has ended, or a participant that has left, answers writes with
// AccessDeniedException, as Connect does.
//
// # Scale-out
//
// Tokens, chats and transcripts go through the Backend, so any process can
// authenticate a request and read a transcript. Live delivery (WebSocket
// frames, flow and agent inboxes) happens in the process that holds the
// chat's session: a deployment with several chat processes routes a
// contact's participant traffic to one process (or adds a bus behind
// Backend). A process that receives a write for an active chat it has not
// seen loads the chat from the Backend and serves it.
package chat
