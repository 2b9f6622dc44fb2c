// The profiler's probes (see xs-profile-entry.ts): imported first, so that the modules evaluated
// after it find globalThis.__profile when their top-level code runs.
declare function resetMeter(limit: number, index: number): number;

/** Probe ids are below REGION; a function's counts go to one of three regions by who called it. */
const REGION = 4096;
/** A simulated port called from inside the firmware: id + PORT_ID_OFFSET. */
const PORT_ID_OFFSET = REGION;
/** Firmware code the simulators run outside the firmware's turns (the validator's FrameReader): id + WORLD_ID_OFFSET. */
const WORLD_ID_OFFSET = 2 * REGION;
const FUNCTIONS_MAX = 3 * REGION;
const DEPTH_MAX = 512;

function readMeter(): number {
  const index = resetMeter(0, 0);
  resetMeter(0, index);
  return index;
}

export const self = new Float64Array(FUNCTIONS_MAX);
export const calls = new Float64Array(FUNCTIONS_MAX);
export const childCalls = new Float64Array(FUNCTIONS_MAX);
const stackIds = new Int32Array(DEPTH_MAX);
const stackStarts = new Float64Array(DEPTH_MAX);
const stackChildren = new Float64Array(DEPTH_MAX);
const stackChildCalls = new Float64Array(DEPTH_MAX);
let depth = 0;
/** Firmware (src/) frames inside a firmware turn on the stack, and the firmware turns (the loop's tick) on it. */
let firmwareDepth = 0;
let turnDepth = 0;
/** Per probe id: 1 firmware (src/), 2 the loop's tick (a firmware turn), 0 else. */
let kinds: Uint8Array | undefined;
export const overhead = { inside: 0, perChild: 0 };

(globalThis as Record<string, unknown>).__profile = {
  enter(probeId: number): number {
    kinds ??= new Uint8Array((globalThis as unknown as { __profileKinds: number[] }).__profileKinds);
    const kind = kinds[probeId];
    if (kind === 2) turnDepth += 1;
    let id = probeId;
    if (kind === 1 && turnDepth === 0) id = probeId + WORLD_ID_OFFSET;
    else if (kind === 1) firmwareDepth += 1;
    else if (kind !== 2 && firmwareDepth > 0) id = probeId + PORT_ID_OFFSET;
    stackIds[depth] = id;
    stackChildren[depth] = 0;
    stackChildCalls[depth] = 0;
    depth += 1;
    stackStarts[depth - 1] = readMeter();
    return depth;
  },
  exit(token: number): void {
    const now = readMeter();
    // An exception may unwind frames whose finally already ran: trust the token.
    depth = token - 1;
    const id = stackIds[depth];
    if (id < PORT_ID_OFFSET && kinds![id] === 1) firmwareDepth -= 1;
    if (id < PORT_ID_OFFSET && kinds![id] === 2) turnDepth -= 1;
    const inclusive = now - stackStarts[depth];
    self[id] += inclusive - stackChildren[depth];
    calls[id] += 1;
    childCalls[id] += stackChildCalls[depth];
    if (depth > 0) {
      stackChildren[depth - 1] += inclusive;
      stackChildCalls[depth - 1] += 1;
    }
  },
};
