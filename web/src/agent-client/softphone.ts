// Softphone: the agent's WebRTC audio line (docs/agent-api.md, rtcOffer).
// One persistent RTCPeerConnection with one sendrecv audio transceiver,
// offered once ICE gathering is complete (vanilla ICE: the server's answer
// has all its candidates too). It is the agent's *line*, kept across calls:
// an accepted call has audio at once. It is renegotiated after every
// welcome that is not a resume (a reload, a server restart) and when the
// connection fails.

import type { AgentClient, ConnectionStatus } from './client';
import { Emitter } from './emitter';
import { AgentApiError } from './errors';

export interface SoftphoneOptions {
  /** Where the caller's audio plays; default: a new, detached <audio autoplay>. */
  audioElement?: HTMLAudioElement | null;
  /** Default: navigator.mediaDevices.getUserMedia. */
  getUserMedia?: (c: MediaStreamConstraints) => Promise<MediaStream>;
  /** Default: globalThis.RTCPeerConnection. */
  RTCPeerConnectionImpl?: typeof RTCPeerConnection;
  /** How long to wait for ICE gathering before offering what there is; default 5000. */
  iceGatherTimeoutMs?: number;
  /** The pause before re-offering a failed line; default 2000. */
  reofferDelayMs?: number;
}

export interface SoftphoneState {
  /** The peer connection's connectionState, or none/closed. */
  connection: RTCPeerConnectionState | 'none';
  ice: RTCIceConnectionState | 'none';
  gathering: RTCIceGatheringState | 'none';
  offers: number;
  answers: number;
  /** The last failure (microphone, rtc_failed, …). */
  error: string | null;
  remoteTrack: boolean;
  /** The microphone's track label, once acquired. */
  microphone: string | null;
  /** DTMF tones played in band so far. */
  dtmfPlayed: string;
}

export type SoftphoneEvents = {
  change: SoftphoneState;
};

const DTMF_RE = /^[0-9A-D*#,]+$/i;

/**
 * Softphone keeps the agent's audio line to the server over the
 * AgentClient's connection. Mute and unmute are server-side requests (the
 * agent's audio stops reaching the caller); DTMF goes in band through
 * RTCDTMFSender (relayed as RFC 4733 events, never as audio).
 */
export class Softphone extends Emitter<SoftphoneEvents> {
  private readonly iceGatherTimeoutMs: number;
  private readonly reofferDelayMs: number;
  private readonly gum: (c: MediaStreamConstraints) => Promise<MediaStream>;
  private readonly PC: typeof RTCPeerConnection | undefined;
  private audio: HTMLAudioElement | null;
  private remoteStream: MediaStream | null = null;
  private pc: RTCPeerConnection | null = null;
  private sender: RTCRtpSender | null = null;
  private gen = 0;
  private stream: MediaStream | null = null;
  private micPromise: Promise<MediaStream | null> | null = null;
  private reofferTimer: ReturnType<typeof setTimeout> | null = null;
  private offs: (() => void)[] = [];
  private started = false;
  private s: SoftphoneState = {
    connection: 'none',
    ice: 'none',
    gathering: 'none',
    offers: 0,
    answers: 0,
    error: null,
    remoteTrack: false,
    microphone: null,
    dtmfPlayed: '',
  };

  constructor(
    private readonly client: AgentClient,
    opts: SoftphoneOptions = {},
  ) {
    super();
    this.iceGatherTimeoutMs = opts.iceGatherTimeoutMs ?? 5000;
    this.reofferDelayMs = opts.reofferDelayMs ?? 2000;
    this.PC = opts.RTCPeerConnectionImpl ?? (globalThis as { RTCPeerConnection?: typeof RTCPeerConnection }).RTCPeerConnection;
    const md = (globalThis as { navigator?: Navigator }).navigator?.mediaDevices;
    this.gum = opts.getUserMedia ?? ((c) => (md ? md.getUserMedia(c) : Promise.reject(new Error('no mediaDevices'))));
    if (opts.audioElement !== undefined) {
      this.audio = opts.audioElement;
    } else if (typeof document !== 'undefined') {
      this.audio = document.createElement('audio');
      this.audio.autoplay = true;
    } else {
      this.audio = null;
    }
  }

  /**
   * setAudioElement moves the caller's audio to el (e.g. an <audio> the page
   * renders, so that it can be inspected); null detaches it.
   */
  setAudioElement(el: HTMLAudioElement | null): void {
    if (this.audio && this.audio !== el) this.audio.srcObject = null;
    this.audio = el;
    this.attachAudio();
  }

  private attachAudio(): void {
    if (!this.audio || !this.remoteStream) return;
    if (this.audio.srcObject !== this.remoteStream) this.audio.srcObject = this.remoteStream;
    this.audio.play?.()?.catch(() => {
      // autoplay policy: it plays once the page got a user gesture
    });
  }

  getState(): SoftphoneState {
    return this.s;
  }

  subscribe = (fn: () => void): (() => void) => this.on('change', () => fn());

  private set(patch: Partial<SoftphoneState>): void {
    this.s = { ...this.s, ...patch };
    this.emit('change', this.s);
  }

  /**
   * start acquires the microphone and follows the client: a line after each
   * welcome that is not a resume (or when there is no healthy line), none
   * while disconnected. Call it after login, once per page.
   */
  start(): void {
    if (this.started) return;
    this.started = true;
    void this.ensureMicrophone();
    this.offs.push(
      this.client.on('welcome', (w) => void this.startLine(!w.resumed)),
      this.client.on('loggedOut', () => this.stop()),
      this.client.on('connection', (c: ConnectionStatus) => {
        if (c === 'disconnected' && this.client.getState().replaced) this.closeLine();
      }),
    );
    if (this.client.getState().connection === 'ready') void this.startLine(true);
  }

  /** stop closes the line and releases the microphone. */
  stop(): void {
    this.started = false;
    for (const off of this.offs.splice(0)) off();
    this.closeLine();
    this.stream?.getTracks().forEach((t) => t.stop());
    this.stream = null;
    this.micPromise = null;
    this.set({ microphone: null });
  }

  private ensureMicrophone(): Promise<MediaStream | null> {
    if (!this.micPromise) {
      this.micPromise = this.gum({ audio: true, video: false }).then(
        (s) => {
          this.stream = s;
          this.set({ microphone: s.getAudioTracks()[0]?.label ?? 'audio', error: null });
          return s;
        },
        (err: unknown) => {
          this.micPromise = null; // try again with the next line
          const e = err as { name?: string; message?: string };
          this.set({ error: `microphone: ${e?.name ?? ''} ${e?.message ?? String(err)}`.trim() });
          return null;
        },
      );
    }
    return this.micPromise;
  }

  private closeLine(): void {
    this.gen++;
    if (this.reofferTimer) clearTimeout(this.reofferTimer);
    this.reofferTimer = null;
    if (this.pc) {
      try {
        this.pc.close();
      } catch {
        // closed already
      }
    }
    this.pc = null;
    this.sender = null;
    this.remoteStream = null;
    this.set({ connection: 'none', ice: 'none', gathering: 'none', remoteTrack: false });
  }

  /** Whether there is a line that is not failed or closed. */
  get healthy(): boolean {
    return !!this.pc && !['failed', 'closed'].includes(this.pc.connectionState);
  }

  /**
   * startLine (re)establishes the line: a new RTCPeerConnection whose
   * rtcOffer replaces the agent's previous one on the server (a call in
   * progress carries on over it). Without force a healthy line is kept.
   */
  async startLine(force = false): Promise<void> {
    if (this.healthy && !force) return;
    if (!this.PC) {
      this.set({ error: 'WebRTC is not available in this browser' });
      return;
    }
    this.closeLine();
    const gen = this.gen;
    const stream = await this.ensureMicrophone();
    if (gen !== this.gen || this.client.getState().connection !== 'ready') return;
    const pc = new this.PC({ iceServers: [] });
    this.pc = pc;
    const track = stream?.getAudioTracks()[0];
    const tr = track && stream
      ? pc.addTransceiver(track, { direction: 'sendrecv', streams: [stream] })
      : pc.addTransceiver('audio', { direction: 'sendrecv' });
    this.sender = tr.sender;
    if (tr.sender.dtmf) {
      tr.sender.dtmf.ontonechange = (ev) => {
        if (ev.tone) this.set({ dtmfPlayed: this.s.dtmfPlayed + ev.tone });
      };
    }
    const update = () => {
      if (gen !== this.gen) return;
      this.set({ connection: pc.connectionState, ice: pc.iceConnectionState, gathering: pc.iceGatheringState });
    };
    pc.onconnectionstatechange = () => {
      update();
      if (pc.connectionState === 'failed') this.scheduleReoffer(gen);
    };
    pc.oniceconnectionstatechange = update;
    pc.onicegatheringstatechange = update;
    pc.ontrack = (ev) => {
      if (gen !== this.gen) return;
      this.remoteStream = ev.streams?.[0] ?? new MediaStream([ev.track]);
      this.attachAudio();
      this.set({ remoteTrack: true });
    };
    update();
    try {
      const offer = await pc.createOffer();
      await pc.setLocalDescription(offer);
      await this.iceGatheringComplete(pc);
      if (gen !== this.gen) return;
      this.set({ offers: this.s.offers + 1, error: null });
      const ack = await this.client.rtcOffer(pc.localDescription?.sdp ?? offer.sdp ?? '');
      if (gen !== this.gen) return;
      if (!ack.sdp) throw new AgentApiError('rtc_failed', 'the rtcOffer ack has no answer');
      await pc.setRemoteDescription({ type: 'answer', sdp: ack.sdp });
      this.set({ answers: this.s.answers + 1 });
      update();
    } catch (err) {
      if (gen !== this.gen) return;
      const e = err as { code?: string; message?: string };
      this.set({ error: `${e.code ? e.code + ': ' : ''}${e.message ?? String(err)}` });
      // A closed socket re-offers after the next welcome; other failures retry.
      if (e.code !== 'closed' && e.code !== 'not_open') this.scheduleReoffer(gen);
    }
  }

  private iceGatheringComplete(pc: RTCPeerConnection): Promise<void> {
    if (pc.iceGatheringState === 'complete') return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        if (pc.iceGatheringState !== 'complete') return;
        pc.removeEventListener('icegatheringstatechange', done);
        clearTimeout(timer);
        resolve();
      };
      // Offer what was gathered if gathering hangs (no STUN servers to wait for).
      const timer = setTimeout(() => {
        pc.removeEventListener('icegatheringstatechange', done);
        resolve();
      }, this.iceGatherTimeoutMs);
      pc.addEventListener('icegatheringstatechange', done);
    });
  }

  private scheduleReoffer(gen: number): void {
    if (this.reofferTimer) clearTimeout(this.reofferTimer);
    this.reofferTimer = setTimeout(() => {
      this.reofferTimer = null;
      if (gen === this.gen && this.client.getState().connection === 'ready') void this.startLine(true);
    }, this.reofferDelayMs);
  }

  /**
   * sendDtmf plays digits (0-9 * # A-D, "," a pause) in band as RFC 4733
   * events on the line. It throws when there is no line able to send them.
   */
  sendDtmf(digits: string): void {
    if (!DTMF_RE.test(digits)) throw new AgentApiError('invalid', `not DTMF digits: ${digits}`);
    const dtmf = this.sender?.dtmf;
    if (!dtmf) throw new AgentApiError('no_voice', 'there is no audio line to send DTMF on');
    if (!dtmf.canInsertDTMF) throw new AgentApiError('no_voice', 'the audio line cannot send DTMF now');
    dtmf.insertDTMF(digits, 100, 70);
  }

  /** mute stops the agent's audio reaching the caller (server-side; the agent still hears them). */
  mute(contactId: string) {
    return this.client.mute(contactId);
  }

  unmute(contactId: string) {
    return this.client.unmute(contactId);
  }
}
