// Captures what libbpf prints (warnings, and the verifier's log when a program is
// rejected) so load errors can show it instead of it going to stderr unseen.
import koffi from 'koffi';
import { getLibbpf, getLibc } from './native.js';

const LIBBPF_WARN = 0;
const LIBBPF_INFO = 1;
const MAX_LINE = 8192;

let installed = false;
let sink: string[] | undefined;
/** Whether libbpf's debug and info messages go to stderr too (`scx-slo run -v`). */
let verbose = false;

/** Shows (true) or hides libbpf's debug and info messages on stderr. */
export function setLibbpfVerbose(on: boolean): void {
  verbose = on;
}

function install(): void {
  if (installed) return;
  const libbpf = getLibbpf();
  const libc = getLibc();
  const buf = Buffer.alloc(MAX_LINE);
  const callback = koffi.register((level: number, fmt: string, args: unknown) => {
    const n = libc.vsnprintf(buf, MAX_LINE, fmt, args) as number;
    const text = buf.subarray(0, Math.max(0, Math.min(n, MAX_LINE - 1))).toString('utf8');
    if (sink && level <= LIBBPF_INFO) sink.push(text);
    if (verbose || (level === LIBBPF_WARN && !sink)) process.stderr.write(`libbpf: ${text}`);
    return 0;
  }, koffi.pointer(libbpf.printCallbackProto));
  libbpf.setPrint(callback);
  installed = true;
}

/** Runs `fn` with libbpf's messages collected; returns its result and the messages. */
export function withLibbpfLog<T>(fn: () => T): { result: T; log: string } {
  install();
  const previous = sink;
  const lines: string[] = [];
  sink = lines;
  try {
    return { result: fn(), log: lines.join('') };
  } finally {
    sink = previous;
  }
}
