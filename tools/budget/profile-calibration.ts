// Two functions the profiler's probes wrap like any firmware function, to measure what the
// probes themselves cost (tools/budget/xs-profile-entry.ts subtracts it).
export function calibrationLeaf(): number {
  return 0;
}

export function calibrationParent(): number {
  return calibrationLeaf();
}
