// Errors and warnings about input files (traces, kernel trace text): every message names
// the file, the line and, where there is one, the field, so a bad line can be found and
// fixed. Warnings are for values the reader adjusted (clamped) and replayed anyway.

/** A fatal problem with an input file; the message is meant for the user as it is. */
export class InputError extends Error {
  override name = 'InputError';
  constructor(
    readonly file: string,
    readonly line: number,
    readonly field: string | undefined,
    readonly problem: string,
  ) {
    super(`${file}:${line}: ${field === undefined ? '' : `field ${JSON.stringify(field)}: `}${problem}`);
  }
}

/** Collects warnings, keeping the first `keep` messages and counting the rest. */
export class Warnings {
  readonly messages: string[] = [];
  count = 0;

  constructor(private readonly keep = 200) {}

  add(file: string, line: number, field: string | undefined, problem: string): void {
    this.count++;
    if (this.messages.length < this.keep) {
      this.messages.push(`${file}:${line}: ${field === undefined ? '' : `field ${JSON.stringify(field)}: `}${problem}`);
    }
  }

  /** Adds a message that is not about a particular line. */
  note(message: string): void {
    this.count++;
    if (this.messages.length < this.keep) this.messages.push(message);
  }

  /** Up to `max` messages plus a line saying how many more there were. */
  summary(max = 20): string[] {
    const out = this.messages.slice(0, max);
    if (this.count > out.length) out.push(`... and ${this.count - out.length} more warnings`);
    return out;
  }
}

/** Shows a value in an error message: JSON, shortened. */
export function showValue(value: unknown): string {
  let text: string;
  try {
    text = value === undefined ? 'nothing' : JSON.stringify(value);
  } catch {
    text = String(value);
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
