// A minimal Dockerfile reader (instructions, stages) and .dockerignore matcher for the
// structure checks in dockerfile.test.ts. No image is built: there is no container
// engine in this project's CI.

export interface Instruction {
  op: string; // upper case: FROM, RUN, COPY, ...
  args: string; // the rest, continuation lines joined
  line: number;
}

export interface Stage {
  image: string;
  name: string | null;
  instructions: Instruction[];
}

/** Instructions of a Dockerfile: comments dropped, `\` continuations joined. */
export function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  const lines = text.split('\n');
  let i = 0;
  while (i < lines.length) {
    const startLine = i + 1;
    let line = lines[i++]!;
    if (/^\s*(#|$)/.test(line)) continue;
    while (/\\\s*$/.test(line) && i < lines.length) {
      const next = lines[i++]!;
      if (/^\s*#/.test(next)) continue; // comment lines inside a continuation are skipped
      line = line.replace(/\\\s*$/, ' ') + next.trim();
    }
    const m = /^\s*([A-Za-z]+)\s+([\s\S]*)$/.exec(line);
    if (!m) throw new Error(`Dockerfile line ${startLine}: cannot parse ${JSON.stringify(line)}`);
    out.push({ op: m[1]!.toUpperCase(), args: m[2]!.trim(), line: startLine });
  }
  return out;
}

export function stages(instructions: Instruction[]): Stage[] {
  const out: Stage[] = [];
  for (const ins of instructions) {
    if (ins.op === 'FROM') {
      const m = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args);
      if (!m) throw new Error(`Dockerfile line ${ins.line}: bad FROM`);
      out.push({ image: m[1]!, name: m[2] ?? null, instructions: [] });
    } else {
      if (!out.length) {
        if (ins.op === 'ARG') continue;
        throw new Error(`Dockerfile line ${ins.line}: ${ins.op} before FROM`);
      }
      out[out.length - 1]!.instructions.push(ins);
    }
  }
  return out;
}

export interface Copy {
  from: string | null;
  sources: string[];
  dest: string;
}

/** A COPY instruction's --from, sources and destination (shell form or JSON form). */
export function parseCopy(args: string): Copy {
  let rest = args;
  let from: string | null = null;
  for (;;) {
    const m = /^--([a-z-]+)(?:=(\S+))?\s+/.exec(rest);
    if (!m) break;
    if (m[1] === 'from') from = m[2] ?? null;
    rest = rest.slice(m[0].length);
  }
  const parts: string[] = rest.startsWith('[') ? (JSON.parse(rest) as string[]) : rest.split(/\s+/);
  return { from, sources: parts.slice(0, -1), dest: parts[parts.length - 1]! };
}

/** An exec-form (JSON array) ENTRYPOINT/CMD, or null for shell form. */
export function execForm(args: string): string[] | null {
  if (!args.startsWith('[')) return null;
  return JSON.parse(args) as string[];
}

function globToRegex(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*' && pattern[i + 1] === '*') {
      re += '.*';
      i++;
      if (pattern[i + 1] === '/') i++;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/**
 * Whether a context path (relative, "/"-separated) is excluded by .dockerignore rules:
 * the last matching rule wins, "!" re-includes, and a rule matching a directory
 * excludes what is under it (Docker's semantics, without its escaping corner cases).
 */
export function dockerIgnored(rules: string[], path: string): boolean {
  const parts = path.split('/');
  let ignored = false;
  for (const raw of rules) {
    const rule = raw.trim();
    if (!rule || rule.startsWith('#')) continue;
    const negate = rule.startsWith('!');
    const pattern = (negate ? rule.slice(1) : rule).replace(/^\/+/, '').replace(/\/+$/, '');
    const re = globToRegex(pattern);
    let matched = false;
    for (let n = 1; n <= parts.length && !matched; n++) matched = re.test(parts.slice(0, n).join('/'));
    if (matched) ignored = !negate;
  }
  return ignored;
}
