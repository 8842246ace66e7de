// Parsing of the free-form `--policy-opt key=value` options a policy receives.

/** A slice option given in microseconds, returned in ns; `fallbackNs` when absent. */
export function sliceOption(options: Readonly<Record<string, string>>, key: string, fallbackNs: number): number {
  const raw = options[key];
  if (raw === undefined) return fallbackNs;
  const us = Number(raw);
  if (!Number.isFinite(us) || us <= 0 || us > 1_000_000) {
    throw new RangeError(`policy option ${key}: expected microseconds in 1..1000000, got ${JSON.stringify(raw)}`);
  }
  return Math.round(us * 1000);
}
