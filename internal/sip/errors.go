package sip

import "errors"

var (
	// ErrNoAck is returned by InboundCall.Answer when the caller did not ACK our 2xx within
	// Config.AckTimeout. The server has sent a BYE (RFC 3261 §13.3.1.4) and the call has ended
	// with EndCause{By: "timeout", Reason: "no-ack"}.
	ErrNoAck = errors.New("sip: no ACK for 2xx")

	// ErrHungUp is returned by call methods when the caller ended the call (BYE or CANCEL)
	// before the operation completed.
	ErrHungUp = errors.New("sip: call hung up")

	// ErrNoAnswer is returned by Server.Dial when the callee did not answer before the
	// timeout or the context ended (the INVITE was cancelled).
	ErrNoAnswer = errors.New("sip: no answer")

	// ErrBusy is returned by Server.Dial when the callee answered 486 Busy Here or
	// 600 Busy Everywhere.
	ErrBusy = errors.New("sip: busy")

	// ErrCallFailed is returned by Server.Dial for any other final non-2xx response or
	// transport failure.
	ErrCallFailed = errors.New("sip: call failed")

	// ErrClosed is returned when the call or the server has already ended, e.g. Answer after
	// Hangup, or Run on a stopped server.
	ErrClosed = errors.New("sip: closed")
)
