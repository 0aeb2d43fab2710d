// Drives the official Amazon Connect chat client, amazon-connect-chatjs,
// unmodified, against Switchboard's participant API. internal/chat's Go
// test TestChatJSConversation starts the server and a fake flow (it greets,
// then an agent echoes the customer) and runs this script with:
//
//   CHAT_ENDPOINT      the participant API base URL (http://127.0.0.1:PORT)
//   CHAT_CONTACT_ID, CHAT_PARTICIPANT_ID, CHAT_PARTICIPANT_TOKEN
//                      what StartChat returned
//   CHAT_MESSAGE       what the customer says (default "hello")
//   CHAT_LOAD_TRANSCRIPT  "1": after connecting, load the transcript and
//                      count its messages as seen, as a chat widget does
//                      when a flow may have written before it connected
//                      (test/e2e, where the real flow greets at once)
//   CHAT_AGENT_READS   "0": do not wait for the agent's read receipt (an
//                      agent console on the agent WebSocket sends none)
//
// The script connects as the customer, waits for the greeting, sends a
// typing event and a message, waits for the agent's typing and reply, sends
// a read receipt, fetches the transcript, disconnects and waits for the
// chat to end. It prints one JSON line — {"ok":true,...} with what it saw,
// or {"ok":false,"error":...} — and exits 0 only on success.
//
// chatjs is a browser library: from Node it needs the globals self, window
// and navigator, and WebSocket (from the ws package).
import { createRequire } from "node:module";
import WebSocket from "ws";

const require = createRequire(import.meta.url);

globalThis.self = globalThis;
globalThis.window = globalThis;
if (!globalThis.navigator) {
  globalThis.navigator = { userAgent: "node", onLine: true };
}
globalThis.WebSocket = WebSocket;

require("amazon-connect-chatjs");
const connect = globalThis.connect;

const env = (name, dflt) => {
  const v = process.env[name] ?? dflt;
  if (v === undefined || v === "") throw new Error(`${name} is not set`);
  return v;
};

const endpoint = env("CHAT_ENDPOINT");
const customerText = env("CHAT_MESSAGE", "hello");
const timeoutMs = Number(env("CHAT_TIMEOUT_MS", "30000"));

const seen = { messages: [], typing: [], events: [], receipts: [] };
const waiters = [];

// waitFor resolves when pred holds for the recorded state.
function waitFor(what, pred) {
  return new Promise((resolve, reject) => {
    const check = () => {
      const v = pred();
      if (v) {
        resolve(v);
        return true;
      }
      return false;
    };
    if (check()) return;
    const t = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
    waiters.push(() => {
      if (check()) {
        clearTimeout(t);
        return true;
      }
      return false;
    });
  });
}

function notify() {
  for (let i = waiters.length - 1; i >= 0; i--) {
    if (waiters[i]()) waiters.splice(i, 1);
  }
}

async function main() {
  connect.ChatSession.setGlobalConfig({
    region: "us-east-1",
    endpoint,
    loggerConfig: { useDefaultLogger: process.env.CHAT_DEBUG === "1", level: connect.LogLevel.DEBUG },
    features: { messageReceipts: { shouldSendMessageReceipts: true, throttleTime: 100 } },
  });

  const session = connect.ChatSession.create({
    chatDetails: {
      ContactId: env("CHAT_CONTACT_ID"),
      ParticipantId: env("CHAT_PARTICIPANT_ID"),
      ParticipantToken: env("CHAT_PARTICIPANT_TOKEN"),
    },
    options: { region: "us-east-1" },
    type: connect.ChatSession.SessionTypes.CUSTOMER,
    disableCSM: true,
  });

  let ended = false;
  session.onMessage((ev) => {
    const d = ev.data;
    if (d.Type === "MESSAGE") {
      seen.messages.push({ id: d.Id, role: d.ParticipantRole, name: d.DisplayName, content: d.Content, time: d.AbsoluteTime });
    } else {
      seen.events.push({ type: d.Type, contentType: d.ContentType, role: d.ParticipantRole });
    }
    notify();
  });
  session.onTyping((ev) => {
    seen.typing.push({ role: ev.data.ParticipantRole, name: ev.data.DisplayName });
    notify();
  });
  session.onReadReceipt((ev) => {
    seen.receipts.push({ messageId: ev.data.MessageMetadata?.MessageId, kind: "read" });
    notify();
  });
  session.onEnded(() => {
    ended = true;
    notify();
  });

  const conn = await session.connect();
  if (!conn || !conn.connectSuccess) throw new Error("connect failed: " + JSON.stringify(conn));

  if (process.env.CHAT_LOAD_TRANSCRIPT === "1") {
    const tr = await session.getTranscript({ maxResults: 100, scanDirection: "BACKWARD", sortOrder: "ASCENDING" });
    for (const d of tr.data.Transcript) {
      if (d.Type === "MESSAGE" && !seen.messages.some((m) => m.id === d.Id)) {
        seen.messages.push({ id: d.Id, role: d.ParticipantRole, name: d.DisplayName, content: d.Content, time: d.AbsoluteTime });
      }
    }
    notify();
  }

  const greeting = await waitFor("the greeting", () => seen.messages.find((m) => m.role === "SYSTEM"));

  await session.sendEvent({ contentType: "application/vnd.amazonaws.connect.event.typing" });
  const sent = await session.sendMessage({ contentType: "text/plain", message: customerText });
  const sentId = sent.data.Id;
  if (!sentId || !sent.data.AbsoluteTime) throw new Error("sendMessage answered " + JSON.stringify(sent.data));

  await waitFor("the agent typing", () => seen.typing.find((t) => t.role === "AGENT"));
  const reply = await waitFor("the agent's reply", () => seen.messages.find((m) => m.role === "AGENT"));

  // The customer read the agent's reply.
  await session.sendEvent({
    contentType: "application/vnd.amazonaws.connect.event.message.read",
    content: JSON.stringify({ messageId: reply.id }),
  });
  // The agent read the customer's message (the Go side posts it once it
  // sees the customer's receipt).
  if (process.env.CHAT_AGENT_READS !== "0") {
    await waitFor("the agent's read receipt", () => seen.receipts.find((r) => r.messageId === sentId));
  }

  const tr = await session.getTranscript({ maxResults: 100, scanDirection: "BACKWARD", sortOrder: "ASCENDING" });
  const transcript = tr.data.Transcript.map((it) => ({ type: it.Type, contentType: it.ContentType, role: it.ParticipantRole, content: it.Content }));

  // Sending something chatjs refuses to send without asking the server
  // would tell us nothing; an oversized message must be refused by it.
  let oversized = null;
  try {
    await session.sendMessage({ contentType: "text/plain", message: "x".repeat(16385) });
  } catch (e) {
    oversized = { type: e.type, statusCode: e.statusCode, message: e.message };
  }

  await session.disconnectParticipant();
  await waitFor("the end of the chat", () => ended);

  let afterEnd = null;
  try {
    // chatjs itself refuses once it knows the chat ended; go under it to
    // check the server does too.
    await session.controller.chatClient.sendMessage(session.controller.connectionHelper.getConnectionToken(), "too late", "text/plain");
  } catch (e) {
    afterEnd = { type: e.type, statusCode: e.statusCode, message: e.message };
  }

  return { ok: true, greeting: greeting.content, sentId, reply: reply.content, typing: seen.typing, events: seen.events, receipts: seen.receipts, transcript, oversized, afterEnd };
}

const guard = setTimeout(() => {
  console.log(JSON.stringify({ ok: false, error: "the script took too long", seen }));
  process.exit(1);
}, timeoutMs + 5000);

main().then(
  (res) => {
    clearTimeout(guard);
    console.log(JSON.stringify(res));
    process.exit(0);
  },
  (err) => {
    clearTimeout(guard);
    console.log(JSON.stringify({ ok: false, error: String(err && (err.stack || err.message || JSON.stringify(err))), detail: err, seen }));
    process.exit(1);
  },
);
