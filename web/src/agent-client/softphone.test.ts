import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AgentClient, type WebSocketLike } from './client';
import { Softphone } from './softphone';

class FakeSocket implements WebSocketLike {
  static all: FakeSocket[] = [];
  readyState = 0;
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code?: number; reason?: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  sent: Record<string, unknown>[] = [];
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  send(data: string) {
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
  }
  close() {
    this.readyState = 3;
    this.onclose?.({});
  }
  open() {
    this.readyState = 1;
    this.onopen?.({});
  }
  push(frame: Record<string, unknown>) {
    this.onmessage?.({ data: JSON.stringify({ v: 1, ...frame }) });
  }
}

// FakePC records what the softphone does with its peer connection; the test
// completes ICE gathering when it chooses.
class FakePC extends EventTarget {
  static all: FakePC[] = [];
  connectionState: RTCPeerConnectionState = 'new';
  iceConnectionState: RTCIceConnectionState = 'new';
  iceGatheringState: RTCIceGatheringState = 'new';
  signalingState = 'stable';
  localDescription: { type: string; sdp: string } | null = null;
  remote: { type: string; sdp: string } | null = null;
  transceivers: { kind: unknown; init: unknown }[] = [];
  closed = false;
  inserted: string[] = [];
  onconnectionstatechange: (() => void) | null = null;
  oniceconnectionstatechange: (() => void) | null = null;
  onicegatheringstatechange: (() => void) | null = null;
  ontrack: ((ev: unknown) => void) | null = null;
  constructor() {
    super();
    FakePC.all.push(this);
  }
  addTransceiver(kind: unknown, init: unknown) {
    this.transceivers.push({ kind, init });
    const dtmf = { canInsertDTMF: true, ontonechange: null, insertDTMF: (d: string) => this.inserted.push(d) };
    return { sender: { dtmf } };
  }
  async createOffer() {
    return { type: 'offer', sdp: 'v=0 offer-without-candidates' };
  }
  async setLocalDescription(d: { type: string; sdp: string }) {
    this.localDescription = d;
    this.iceGatheringState = 'gathering';
  }
  async setRemoteDescription(d: { type: string; sdp: string }) {
    this.remote = d;
  }
  finishGathering() {
    this.iceGatheringState = 'complete';
    this.localDescription = { type: 'offer', sdp: 'v=0 offer-with-candidates' };
    this.dispatchEvent(new Event('icegatheringstatechange'));
  }
  fail() {
    this.connectionState = 'failed';
    this.onconnectionstatechange?.();
  }
  close() {
    this.closed = true;
    this.connectionState = 'closed';
  }
}

const track = { label: 'Fake mic', stop: vi.fn() };
const stream = { getAudioTracks: () => [track], getTracks: () => [track] } as unknown as MediaStream;

async function flush() {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

async function setup() {
  const client = new AgentClient({
    baseUrl: 'http://cc.test',
    WebSocketImpl: FakeSocket,
    fetch: async () => new Response(JSON.stringify({ token: 'sbs_t', instanceId: 'i', username: 'ana', displayName: 'Ana' }), { status: 200 }),
    storage: null,
    random: () => 0,
  });
  const phone = new Softphone(client, {
    audioElement: null,
    getUserMedia: vi.fn(async () => stream),
    RTCPeerConnectionImpl: FakePC as unknown as typeof RTCPeerConnection,
    reofferDelayMs: 100,
  });
  await client.login({ instanceId: 'demo', username: 'ana', password: 'pw' });
  phone.start();
  void client.connect();
  const ws = FakeSocket.all[FakeSocket.all.length - 1];
  ws.open();
  ws.push({ type: 'welcome', re: ws.sent[0].id, agent: { id: 'u', username: 'ana', displayName: 'Ana', instanceId: 'i' }, state: { status: 'Offline' }, resumed: false, lastSeq: 0 });
  await flush();
  return { client, phone, ws };
}

beforeEach(() => {
  FakeSocket.all = [];
  FakePC.all = [];
});
afterEach(() => vi.useRealTimers());

describe('Softphone', () => {
  it('offers once ICE gathering is complete and applies the answer', async () => {
    const { phone, ws } = await setup();
    expect(FakePC.all).toHaveLength(1);
    const pc = FakePC.all[0];
    expect(pc.transceivers).toEqual([{ kind: track, init: { direction: 'sendrecv', streams: [stream] } }]);
    expect(ws.sent.filter((f) => f.type === 'rtcOffer')).toHaveLength(0); // still gathering
    pc.finishGathering();
    await flush();
    const offer = ws.sent.find((f) => f.type === 'rtcOffer')!;
    expect(offer.sdp).toBe('v=0 offer-with-candidates');
    ws.push({ type: 'ack', re: offer.id, sdp: 'v=0 answer' });
    await flush();
    expect(pc.remote).toEqual({ type: 'answer', sdp: 'v=0 answer' });
    expect(phone.getState()).toMatchObject({ offers: 1, answers: 1, microphone: 'Fake mic', error: null });
    phone.sendDtmf('12#');
    expect(pc.inserted).toEqual(['12#']);
    expect(() => phone.sendDtmf('12x')).toThrow(/not DTMF/);
  });

  it('re-offers on a new peer connection after a failure and after a non-resumed welcome', async () => {
    vi.useFakeTimers();
    const { ws } = await setup();
    FakePC.all[0].finishGathering();
    await vi.advanceTimersByTimeAsync(0);
    ws.push({ type: 'ack', re: ws.sent.find((f) => f.type === 'rtcOffer')!.id, sdp: 'a1' });
    await vi.advanceTimersByTimeAsync(0);
    FakePC.all[0].fail();
    await vi.advanceTimersByTimeAsync(100);
    expect(FakePC.all).toHaveLength(2);
    expect(FakePC.all[0].closed).toBe(true);
    FakePC.all[1].finishGathering();
    await vi.advanceTimersByTimeAsync(0);
    expect(ws.sent.filter((f) => f.type === 'rtcOffer')).toHaveLength(2);
    ws.push({ type: 'ack', re: ws.sent.filter((f) => f.type === 'rtcOffer')[1].id, sdp: 'a2' });
    await vi.advanceTimersByTimeAsync(0);
    // A reconnect whose welcome is not a resume (server restart): a new line.
    ws.close();
    await vi.advanceTimersByTimeAsync(500);
    const ws2 = FakeSocket.all[1];
    ws2.open();
    ws2.push({ type: 'welcome', re: ws2.sent[0].id, agent: { id: 'u', username: 'ana', displayName: 'Ana', instanceId: 'i' }, state: { status: 'Offline' }, resumed: false, lastSeq: 0 });
    await vi.advanceTimersByTimeAsync(0);
    expect(FakePC.all).toHaveLength(3);
  });
});
