import type { ErrorCode } from './protocol';

/**
 * AgentApiError is how a request fails: the server's error frame (code and
 * message), or a client-side code — closed (the socket closed before the
 * reply), not_open (no open, authenticated socket), timeout (no reply in
 * time), or for login the HTTP problem's code.
 */
export class AgentApiError extends Error {
  constructor(
    readonly code: ErrorCode | (string & {}),
    message: string,
    /** The request type that failed, when known. */
    readonly request?: string,
    /** The HTTP status, for login. */
    readonly status?: number,
  ) {
    super(message || code);
    this.name = 'AgentApiError';
  }
}
