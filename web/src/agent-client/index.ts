// @switchboard/agent-client: a typed client for Switchboard's agent
// WebSocket (docs/agent-api.md) and the agent's WebRTC softphone. Plain
// TypeScript, no UI framework: see README.md.
export { AgentClient, SYSTEM_STATUSES } from './client';
export type {
  AgentClientEvents,
  AgentClientOptions,
  AgentSession,
  ChatItem,
  ClientState,
  ConnectionStatus,
  ConsultState,
  ContactSlot,
  ContactState,
  FetchLike,
  StorageLike,
  WebSocketConstructor,
  WebSocketLike,
} from './client';
export { AgentApiError } from './errors';
export { Emitter } from './emitter';
export { Softphone } from './softphone';
export type { SoftphoneOptions, SoftphoneState } from './softphone';
export * from './protocol';
