// A one-line progress bar on stderr for long replays. It appears only when enabled
// (stderr is a terminal, or --progress) and only once a replay has run for a couple of
// seconds, redraws at most ten times a second, and erases itself when done, so short
// runs and CI logs stay clean.

const SHOW_AFTER_MS = 2_000;
const REDRAW_MS = 100;
const WIDTH = 30;

export interface ProgressSink {
  write(text: string): unknown;
}

export class ProgressBar {
  private readonly started = Date.now();
  private lastDraw = 0;
  private shown = false;

  constructor(
    private readonly label: string,
    private readonly enabled: boolean,
    private readonly out: ProgressSink = process.stderr,
    private readonly showAfterMs = SHOW_AFTER_MS,
  ) {}

  /** `fraction` of the replay is done (0..1). */
  update(fraction: number): void {
    if (!this.enabled) return;
    const now = Date.now();
    const elapsed = now - this.started;
    if (elapsed < this.showAfterMs || now - this.lastDraw < REDRAW_MS) return;
    this.lastDraw = now;
    this.shown = true;
    const f = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
    const filled = Math.round(f * WIDTH);
    const eta = f > 0 ? Math.max(0, Math.round((elapsed / f - elapsed) / 1000)) : 0;
    this.out.write(`\r${this.label} [${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${(f * 100).toFixed(0).padStart(3)}%  eta ${eta}s `);
  }

  /** Erases the bar if it was drawn. */
  done(): void {
    if (this.shown) this.out.write(`\r${' '.repeat(this.label.length + WIDTH + 24)}\r`);
    this.shown = false;
  }
}
