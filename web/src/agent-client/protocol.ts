// The agent WebSocket protocol (docs/agent-api.md), as TypeScript types.
// Every frame is JSON with "v": 1 and a type; requests carry an id that the
// reply repeats in re; events carry a per-agent seq. Unknown fields and
// unknown event types must be ignored, so every type here is open-ended in
// practice: the client passes unknown events on as UnknownEvent.

export const PROTOCOL_VERSION = 1;

export type Channel = 'CHAT' | 'VOICE' | 'TASK' | (string & {});
export type SlotState = 'Pending' | 'Connected' | 'AfterContactWork';
export type SystemState = 'Missed' | 'Error';

/** The error codes of the protocol's error frame. */
export type ErrorCode =
  | 'bad_request'
  | 'unsupported_version'
  | 'unknown_type'
  | 'too_large'
  | 'unauthenticated'
  | 'invalid'
  | 'invalid_status'
  | 'not_your_contact'
  | 'no_offer'
  | 'not_connected'
  | 'no_acw'
  | 'not_chat'
  | 'unknown_target'
  | 'target_unavailable'
  | 'chat_failed'
  | 'unavailable'
  | 'session_replaced'
  | 'not_voice'
  | 'no_voice'
  | 'rtc_failed'
  | 'internal'
  // Client-side codes (never sent by the server): the socket closed or was
  // not open, or no reply came in time.
  | 'closed'
  | 'not_open'
  | 'timeout';

export interface AgentInfo {
  id: string;
  username: string;
  displayName: string;
  instanceId: string;
}

export interface AgentStateInfo {
  status: string;
  system?: SystemState;
  since?: string;
}

export interface ContactView {
  contactId: string;
  channel: Channel;
  queueId?: string;
  personalQueue?: boolean;
  state: SlotState;
  since: string;
  /** The offer's deadline (Pending) or the after-contact work's (AfterContactWork). */
  expiresAt?: string;
}

export interface ProfileInfo {
  routingProfileId?: string;
  autoAccept?: boolean;
  acwTimeoutSeconds?: number;
}

export interface ChatMessage {
  id: string;
  participantRole: string;
  displayName?: string;
  contentType: string;
  content: string;
  time: string;
  /** getTranscript only: the agent posted it on this contact. */
  own?: boolean;
}

/** A status the agent can choose (welcome's statuses): name is what setState takes. */
export interface StatusInfo {
  name: string;
  /** ROUTABLE: Available; OFFLINE: Offline; CUSTOM: Lunch, Break… (logged in, no contacts). */
  type: 'ROUTABLE' | 'CUSTOM' | 'OFFLINE' | (string & {});
}

/** A transfer or consultation target (listQuickConnects): pass id as quickConnectId. */
export interface QuickConnectInfo {
  id: string;
  name: string;
  type: 'QUEUE' | 'USER' | 'PHONE_NUMBER' | (string & {});
  queueId?: string;
  userId?: string;
  phoneNumber?: string;
}

export interface IceCandidateInit {
  candidate: string;
  sdpMid?: string | null;
  sdpMLineIndex?: number | null;
}

/** One target of transfer / consult: exactly one field is set. */
export type TransferTarget =
  | { queueId: string }
  | { agentId: string }
  | { quickConnectId: string }
  | { flowId: string }
  | { phoneNumber: string };

/** consult takes the targets of transfer but a flow. */
export type ConsultTarget = Exclude<TransferTarget, { flowId: string }>;

// ---------------------------------------------------------------- requests

/** The fields of each client request (without v, type, id). */
export interface RequestFields {
  hello: { token?: string };
  resume: { token?: string; lastSeq: number };
  setState: { status: string };
  accept: { contactId: string };
  reject: { contactId: string };
  endContact: { contactId: string };
  completeAcw: { contactId: string; notes?: string };
  sendMessage: { contactId: string; content: string; contentType?: string };
  typing: { contactId: string };
  read: { contactId: string; messageId: string };
  delivered: { contactId: string; messageId: string };
  transfer: { contactId: string } & TransferTarget;
  heartbeat: Record<string, never>;
  rtcOffer: { sdp: string };
  rtcCandidate: { candidate: IceCandidateInit };
  hold: { contactId: string };
  unhold: { contactId: string };
  mute: { contactId: string };
  unmute: { contactId: string };
  sendDigits: { contactId: string; digits: string };
  dial: { phoneNumber: string; queueId?: string };
  consult: { contactId: string } & ConsultTarget;
  conference: { contactId: string };
  cancelConsult: { contactId: string };
  listQuickConnects: Record<string, never>;
  getTranscript: { contactId: string };
}

export type RequestType = keyof RequestFields;

// ---------------------------------------------------------------- replies

export interface Ack {
  v: number;
  type: 'ack';
  re: string;
  /** sendMessage */
  messageId?: string;
  /** transfer, consult */
  nextContactId?: string;
  /** dial: the new OUTBOUND contact */
  contactId?: string;
  /** rtcOffer: the answer */
  sdp?: string;
  /** heartbeat: the server's time */
  time?: string;
  /** listQuickConnects: by name */
  quickConnects?: QuickConnectInfo[];
  /** getTranscript: the chat's messages, oldest first */
  messages?: ChatMessage[];
}

export interface Welcome {
  v: number;
  type: 'welcome';
  re?: string;
  agent: AgentInfo;
  state: AgentStateInfo;
  contacts?: ContactView[];
  profile?: ProfileInfo;
  /** The statuses setState takes, in display order (Available and Offline always). */
  statuses?: StatusInfo[];
  resumed?: boolean;
  lastSeq?: number;
}

export interface ErrorFrame {
  v: number;
  type: 'error';
  re?: string;
  code: ErrorCode | (string & {});
  error?: string;
}

/** What each request resolves to. */
export type ReplyOf<T extends RequestType> = T extends 'hello' | 'resume' ? Welcome : Ack;

// ---------------------------------------------------------------- events

interface EventBase {
  v: number;
  seq: number;
}

export interface StateEvent extends EventBase {
  type: 'state';
  status: string;
  system?: SystemState;
  /** agent-removed when the agent was deleted */
  reason?: string;
}
export interface OfferEvent extends EventBase {
  type: 'offer';
  contactId: string;
  channel: Channel;
  queueId?: string;
  personalQueue?: boolean;
  expiresAt?: string;
  attributes?: Record<string, string>;
  autoAccepted?: boolean;
}
export interface OfferWithdrawnEvent extends EventBase {
  type: 'offerWithdrawn';
  contactId: string;
  reason: 'rejected' | 'ended' | 'agent-unavailable' | 'transfer' | 'agent-removed' | (string & {});
}
export interface MissedEvent extends EventBase {
  type: 'missed';
  contactId: string;
}
export interface ContactConnectedEvent extends EventBase {
  type: 'contactConnected';
  contactId: string;
  channel: Channel;
  queueId?: string;
  autoAccepted?: boolean;
}
export interface ContactErrorEvent extends EventBase {
  type: 'contactError';
  contactId: string;
}
export interface ContactEndedEvent extends EventBase {
  type: 'contactEnded';
  contactId: string;
}
export interface AcwStartedEvent extends EventBase {
  type: 'acwStarted';
  contactId: string;
  expiresAt?: string;
}
export interface AcwEndedEvent extends EventBase {
  type: 'acwEnded';
  contactId: string;
  reason: 'completed' | 'timeout' | 'none' | (string & {});
}
export interface MessageEvent extends EventBase {
  type: 'message';
  contactId: string;
  message: ChatMessage;
}
export interface TypingEvent extends EventBase {
  type: 'typing';
  contactId: string;
  participantRole: string;
}
export interface ReceiptEvent extends EventBase {
  type: 'receipt';
  contactId: string;
  messageId: string;
  participantRole: string;
  deliveredAt?: string;
  readAt?: string;
}
export interface ContactHoldEvent extends EventBase {
  type: 'contactHold';
  contactId: string;
  onHold: boolean;
}
export interface ConsultFailedEvent extends EventBase {
  type: 'consultFailed';
  contactId: string;
  nextContactId?: string;
  reason?: string;
}

/** Every server event (frames with a seq). */
export type ServerEvent =
  | StateEvent
  | OfferEvent
  | OfferWithdrawnEvent
  | MissedEvent
  | ContactConnectedEvent
  | ContactErrorEvent
  | ContactEndedEvent
  | AcwStartedEvent
  | AcwEndedEvent
  | MessageEvent
  | TypingEvent
  | ReceiptEvent
  | ContactHoldEvent
  | ConsultFailedEvent;

export type ServerEventType = ServerEvent['type'];

/** Every server message: replies and events. */
export type ServerMessage = Ack | Welcome | ErrorFrame | ServerEvent;

export const EVENT_TYPES: readonly ServerEventType[] = [
  'state',
  'offer',
  'offerWithdrawn',
  'missed',
  'contactConnected',
  'contactError',
  'contactEnded',
  'acwStarted',
  'acwEnded',
  'message',
  'typing',
  'receipt',
  'contactHold',
  'consultFailed',
];

/** The body of POST /api/v1/auth/login's answer. */
export interface LoginResponse {
  token: string;
  expiresAt: string;
  instanceId: string;
  userId: string;
  username: string;
  displayName: string;
}
