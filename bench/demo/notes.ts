// Caveats printed with every head-to-head figure.

export const EMULATION_NOTE =
  'Times are emulated (QEMU TCG guest): only ratios between schedulers inside one run mean something, never absolute values. ' +
  'JavaScript in the agent runs about 100x slower under TCG than on hardware, so the share of dispatches decided in userspace is ' +
  'lower here than it would be natively (decisions miss the lag bound and the in-kernel fallback takes them).';

export const EMULATION_SHARE_NOTE =
  'Under QEMU TCG the agent\'s JavaScript runs about 100x slower than on hardware: decisions that miss the lag bound go to the ' +
  'in-kernel fallback, so this share understates what userspace decides natively.';
