// listen.js: what plays on a MediaStream, measured for a test — shared by the
// test softphone page (softphone.js: window.softphone.listen) and the CCP's
// Chromium driver (test/browser/ccp-voice.mjs imports it from
// /softphone/listen.js in the CCP's page, on the same server).

let listenCtx = null;

// listen analyses what plays on stream for ms milliseconds: the RMS and,
// for each frequency in freqs, the amplitude of that tone (Goertzel), both
// on the -1..1 scale and averaged over analyser frames — so that a test can
// tell whose tone reaches the agent.
export async function listen(stream, ms = 1000, freqs = []) {
  if (!stream || !stream.getAudioTracks().length) return { error: 'no remote audio track' };
  if (!listenCtx) listenCtx = new AudioContext();
  await listenCtx.resume();
  const src = listenCtx.createMediaStreamSource(stream);
  const an = listenCtx.createAnalyser();
  an.fftSize = 2048;
  src.connect(an);
  const buf = new Float32Array(an.fftSize);
  const rate = listenCtx.sampleRate;
  const sums = freqs.map(() => 0);
  let sq = 0;
  let frames = 0;
  const frameMs = (1000 * an.fftSize) / rate;
  const deadline = performance.now() + ms;
  while (performance.now() < deadline) {
    await new Promise((res) => setTimeout(res, frameMs));
    an.getFloatTimeDomainData(buf);
    let e = 0;
    for (const x of buf) e += x * x;
    sq += e / buf.length;
    freqs.forEach((hz, i) => {
      const k = 2 * Math.cos((2 * Math.PI * hz) / rate);
      let s1 = 0;
      let s2 = 0;
      for (const x of buf) [s1, s2] = [x + k * s1 - s2, s1];
      sums[i] += Math.sqrt(Math.max(0, s1 * s1 + s2 * s2 - k * s1 * s2)) / buf.length;
    });
    frames++;
  }
  src.disconnect();
  const levels = {};
  freqs.forEach((hz, i) => { levels[hz] = frames ? sums[i] / frames : 0; });
  return { frames, sampleRate: rate, rms: frames ? Math.sqrt(sq / frames) : 0, levels };
}
