// A small renderer for the SUBSET of Helm's Go-template language that the scx-slo chart
// (deploy/helm/scx-slo) uses, so the chart can be rendered and validated without a helm
// binary. It is NOT helm: it implements only what is listed below, fails loudly on
// anything else, and is stricter than helm in places (printing a missing value is an
// error here, helm prints an empty string).
//
// Supported:
//   actions       {{ pipeline }}, {{- / -}} whitespace trimming, {{/* comments */}}
//   control       if / else if / else / end, with / else / end, range (lists and maps,
//                 with optional `$v :=` or `$k, $v :=`) / else / end,
//                 define "name" ... end, template "name" pipeline
//   operands      . and .a.b fields, $ and $var.a.b variables, $x := / $x = pipelines,
//                 "strings", `raw strings`, numbers, true/false/nil, (sub pipelines)
//   functions     include, toYaml, toJson, nindent, indent, quote, squote, default,
//                 required, fail, empty, printf (%s %d %v %q %%), print, trunc, trimSuffix,
//                 trimPrefix, replace, contains, hasPrefix, hasSuffix, lower, upper,
//                 toString, sha256sum, eq, ne, lt, le, gt, ge, not, and, or, list, dict
//   built-ins     .Values, .Release.{Name,Namespace,Service,IsInstall,IsUpgrade,Revision},
//                 .Chart.<Chart.yaml field, capitalised>, .Template.{Name,BasePath},
//                 .Capabilities.KubeVersion.{Version,Major,Minor}
//
// Number printing follows Go's %v for float64 (helm reads values as JSON numbers), so
// {{ 1000000 }} prints 1e+06 here as it does in helm; toYaml sorts map keys and does
// not indent sequences under a key, like helm's (sigs.k8s.io/yaml) toYaml.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { Ajv, type ErrorObject } from 'ajv';

export class TemplateError extends Error {
  override name = 'TemplateError';
}

// ---------------------------------------------------------------------------------
// Lexing: template text -> text pieces and actions (with trimming applied)

interface RawAction {
  kind: 'action';
  body: string; // between the delimiters and trim markers
  line: number;
}
interface RawText {
  kind: 'text';
  text: string;
}
type RawPiece = RawAction | RawText;

function isSpace(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r';
}

/** Splits a template into text and actions, applying `{{-` and `-}}` trimming. */
function lexPieces(src: string, name: string): RawPiece[] {
  const pieces: RawPiece[] = [];
  let pos = 0;
  let trimNextText = false;
  const lineAt = (i: number): number => src.slice(0, i).split('\n').length;
  while (pos <= src.length) {
    const open = src.indexOf('{{', pos);
    let text = open < 0 ? src.slice(pos) : src.slice(pos, open);
    if (trimNextText) text = text.replace(/^[ \t\r\n]+/, '');
    if (open < 0) {
      if (text) pieces.push({ kind: 'text', text });
      break;
    }
    let start = open + 2;
    const trimLeft = src[start] === '-' && isSpace(src[start + 1]);
    if (trimLeft) {
      text = text.replace(/[ \t\r\n]+$/, '');
      start += 1;
    }
    if (text) pieces.push({ kind: 'text', text });
    // Find the closing }} outside string literals and comments.
    let i = start;
    let close = -1;
    const afterOpen = src.slice(start).replace(/^[ \t\r\n]*/, '');
    if (afterOpen.startsWith('/*')) {
      const endComment = src.indexOf('*/', start);
      if (endComment < 0) throw new TemplateError(`${name}:${lineAt(open)}: unclosed comment`);
      i = endComment + 2;
    }
    while (i < src.length) {
      const c = src[i];
      if (c === '"') {
        i++;
        while (i < src.length && src[i] !== '"') {
          if (src[i] === '\\') i++;
          if (src[i] === '\n') throw new TemplateError(`${name}:${lineAt(i)}: newline in string`);
          i++;
        }
        i++;
        continue;
      }
      if (c === '`') {
        const end = src.indexOf('`', i + 1);
        if (end < 0) throw new TemplateError(`${name}:${lineAt(i)}: unclosed raw string`);
        i = end + 1;
        continue;
      }
      if (c === '}' && src[i + 1] === '}') {
        close = i;
        break;
      }
      i++;
    }
    if (close < 0) throw new TemplateError(`${name}:${lineAt(open)}: unclosed action`);
    let end = close;
    const trimRight = src[close - 1] === '-' && isSpace(src[close - 2]);
    if (trimRight) end = close - 1;
    pieces.push({ kind: 'action', body: src.slice(start, end), line: lineAt(open) });
    trimNextText = trimRight;
    pos = close + 2;
  }
  return pieces;
}

// ---------------------------------------------------------------------------------
// Tokens inside an action

type Token =
  | { t: 'field'; path: string[] } // "." is path []
  | { t: 'var'; name: string; path: string[] } // "$" is name ""
  | { t: 'str'; v: string }
  | { t: 'num'; v: number }
  | { t: 'ident'; v: string }
  | { t: 'punct'; v: '(' | ')' | '|' | ',' | ':=' | '=' };

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*/;

function tokenize(body: string, where: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const fieldChain = (): string[] => {
    const path: string[] = [];
    while (body[i] === '.') {
      const m = IDENT.exec(body.slice(i + 1));
      if (!m) break;
      path.push(m[0]);
      i += 1 + m[0].length;
    }
    return path;
  };
  while (i < body.length) {
    const c = body[i]!;
    if (isSpace(c)) {
      i++;
      continue;
    }
    if (c === '(' || c === ')' || c === '|' || c === ',') {
      out.push({ t: 'punct', v: c });
      i++;
      continue;
    }
    if (c === ':' && body[i + 1] === '=') {
      out.push({ t: 'punct', v: ':=' });
      i += 2;
      continue;
    }
    if (c === '=') {
      out.push({ t: 'punct', v: '=' });
      i++;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      while (j < body.length && body[j] !== '"') j += body[j] === '\\' ? 2 : 1;
      const lit = body.slice(i, j + 1);
      let v: string;
      try {
        v = JSON.parse(lit) as string;
      } catch {
        throw new TemplateError(`${where}: bad string literal ${lit}`);
      }
      out.push({ t: 'str', v });
      i = j + 1;
      continue;
    }
    if (c === '`') {
      const j = body.indexOf('`', i + 1);
      out.push({ t: 'str', v: body.slice(i + 1, j) });
      i = j + 1;
      continue;
    }
    if (/[0-9]/.test(c) || (c === '-' && /[0-9]/.test(body[i + 1] ?? ''))) {
      const m = /^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?/.exec(body.slice(i))!;
      out.push({ t: 'num', v: Number(m[0]) });
      i += m[0].length;
      continue;
    }
    if (c === '.') {
      if (IDENT.test(body.slice(i + 1))) {
        out.push({ t: 'field', path: fieldChain() });
      } else {
        out.push({ t: 'field', path: [] });
        i++;
      }
      continue;
    }
    if (c === '$') {
      const m = /^[A-Za-z0-9_]*/.exec(body.slice(i + 1))!;
      i += 1 + m[0].length;
      out.push({ t: 'var', name: m[0], path: fieldChain() });
      continue;
    }
    const m = IDENT.exec(body.slice(i));
    if (m) {
      out.push({ t: 'ident', v: m[0] });
      i += m[0].length;
      if (body[i] === '.') throw new TemplateError(`${where}: field access on ${m[0]} is not supported by this renderer`);
      continue;
    }
    throw new TemplateError(`${where}: unexpected character ${JSON.stringify(c)} in action`);
  }
  return out;
}

// ---------------------------------------------------------------------------------
// AST

type Operand =
  | { k: 'field'; path: string[] }
  | { k: 'var'; name: string; path: string[] }
  | { k: 'lit'; v: unknown }
  | { k: 'fn'; name: string }
  | { k: 'sub'; pipe: Pipeline };

interface Pipeline {
  decl: string[]; // variables declared (:=) or assigned (=)
  assign: boolean; // true for "=", false for ":="
  cmds: Operand[][];
}

type Node =
  | { k: 'text'; text: string }
  | { k: 'out'; pipe: Pipeline; where: string }
  | { k: 'if'; branches: { pipe: Pipeline; body: Node[] }[]; otherwise: Node[] | null; where: string }
  | { k: 'with'; branches: { pipe: Pipeline; body: Node[] }[]; otherwise: Node[] | null; where: string }
  | { k: 'range'; pipe: Pipeline; body: Node[]; otherwise: Node[] | null; where: string }
  | { k: 'template'; name: string; pipe: Pipeline | null; where: string };

const KEYWORDS = new Set(['if', 'else', 'end', 'range', 'with', 'define', 'template', 'block', 'break', 'continue']);
const FUNCTION_NAMES = new Set<string>(); // filled from FUNCTIONS below

function parsePipeline(tokens: Token[], where: string, allowDecl: boolean): Pipeline {
  let pos = 0;
  const decl: string[] = [];
  let assign = false;
  // $x := ..., $k, $v := ..., $x = ...
  if (allowDecl && tokens[0]?.t === 'var') {
    let j = 0;
    const names: string[] = [];
    while (tokens[j]?.t === 'var') {
      const tok = tokens[j] as { t: 'var'; name: string; path: string[] };
      if (tok.path.length) break;
      names.push(tok.name);
      j++;
      if (tokens[j]?.t === 'punct' && (tokens[j] as { v: string }).v === ',') {
        j++;
        continue;
      }
      break;
    }
    const op = tokens[j];
    if (names.length && op?.t === 'punct' && (op.v === ':=' || op.v === '=')) {
      decl.push(...names);
      assign = op.v === '=';
      pos = j + 1;
    }
  }
  const parseCmds = (stopAtParen: boolean): Operand[][] => {
    const cmds: Operand[][] = [];
    let cur: Operand[] = [];
    while (pos < tokens.length) {
      const tok = tokens[pos]!;
      if (tok.t === 'punct') {
        if (tok.v === '|') {
          if (!cur.length) throw new TemplateError(`${where}: empty command in pipeline`);
          cmds.push(cur);
          cur = [];
          pos++;
          continue;
        }
        if (tok.v === '(') {
          pos++;
          const inner = parseCmds(true);
          cur.push({ k: 'sub', pipe: { decl: [], assign: false, cmds: inner } });
          continue;
        }
        if (tok.v === ')') {
          if (!stopAtParen) throw new TemplateError(`${where}: unexpected )`);
          pos++;
          if (cur.length) cmds.push(cur);
          return cmds;
        }
        throw new TemplateError(`${where}: unexpected ${tok.v}`);
      }
      if (tok.t === 'field') cur.push({ k: 'field', path: tok.path });
      else if (tok.t === 'var') cur.push({ k: 'var', name: tok.name, path: tok.path });
      else if (tok.t === 'str' || tok.t === 'num') cur.push({ k: 'lit', v: tok.v });
      else if (tok.v === 'true' || tok.v === 'false') cur.push({ k: 'lit', v: tok.v === 'true' });
      else if (tok.v === 'nil') cur.push({ k: 'lit', v: null });
      else if (KEYWORDS.has(tok.v)) throw new TemplateError(`${where}: unexpected keyword ${tok.v}`);
      else if (FUNCTION_NAMES.has(tok.v)) cur.push({ k: 'fn', name: tok.v });
      else throw new TemplateError(`${where}: function ${JSON.stringify(tok.v)} is not supported by this renderer`);
      pos++;
    }
    if (stopAtParen) throw new TemplateError(`${where}: unclosed (`);
    if (cur.length) cmds.push(cur);
    return cmds;
  };
  const cmds = parseCmds(false);
  if (!cmds.length) throw new TemplateError(`${where}: missing value`);
  for (const cmd of cmds.slice(1)) {
    if (cmd[0]!.k !== 'fn') throw new TemplateError(`${where}: non-function command after | in pipeline`);
  }
  return { decl, assign, cmds };
}

interface ParsedTemplate {
  root: Node[];
  defines: Map<string, Node[]>;
}

function parseTemplate(src: string, name: string): ParsedTemplate {
  const pieces = lexPieces(src, name);
  const defines = new Map<string, Node[]>();
  let idx = 0;

  type Stop = { word: 'end' | 'else'; tokens: Token[]; where: string } | null;
  // Parses nodes until {{ end }} or {{ else ... }} (returned as the stop), or input end.
  const parseList = (inBlock: boolean): { nodes: Node[]; stop: Stop } => {
    const nodes: Node[] = [];
    while (idx < pieces.length) {
      const piece = pieces[idx++]!;
      if (piece.kind === 'text') {
        nodes.push({ k: 'text', text: piece.text });
        continue;
      }
      const where = `${name}:${piece.line}`;
      const body = piece.body.trim();
      if (body.startsWith('/*')) {
        if (!body.endsWith('*/')) throw new TemplateError(`${where}: comment must end right before }}`);
        continue;
      }
      const tokens = tokenize(body, where);
      const head = tokens[0];
      const word = head?.t === 'ident' && KEYWORDS.has(head.v) ? head.v : null;
      if (word === 'end' || word === 'else') {
        if (!inBlock) throw new TemplateError(`${where}: unexpected {{ ${word} }}`);
        return { nodes, stop: { word, tokens: tokens.slice(1), where } };
      }
      if (word === 'if' || word === 'with') {
        const branches: { pipe: Pipeline; body: Node[] }[] = [];
        let pipe = parsePipeline(tokens.slice(1), where, true);
        let otherwise: Node[] | null = null;
        for (;;) {
          const { nodes: bodyNodes, stop } = parseList(true);
          if (!stop) throw new TemplateError(`${where}: unclosed {{ ${word} }}`);
          branches.push({ pipe, body: bodyNodes });
          if (stop.word === 'end') break;
          const next = stop.tokens[0];
          if (next?.t === 'ident' && next.v === word) {
            pipe = parsePipeline(stop.tokens.slice(1), stop.where, true);
            continue;
          }
          if (stop.tokens.length) throw new TemplateError(`${stop.where}: unsupported else clause`);
          const tail = parseList(true);
          if (!tail.stop || tail.stop.word !== 'end') throw new TemplateError(`${where}: {{ else }} without {{ end }}`);
          otherwise = tail.nodes;
          break;
        }
        nodes.push({ k: word, branches, otherwise, where });
        continue;
      }
      if (word === 'range') {
        const pipe = parsePipeline(tokens.slice(1), where, true);
        if (pipe.assign || pipe.decl.length > 2) throw new TemplateError(`${where}: bad range declaration`);
        const { nodes: bodyNodes, stop } = parseList(true);
        if (!stop) throw new TemplateError(`${where}: unclosed {{ range }}`);
        let otherwise: Node[] | null = null;
        if (stop.word === 'else') {
          if (stop.tokens.length) throw new TemplateError(`${stop.where}: unsupported else clause in range`);
          const tail = parseList(true);
          if (!tail.stop || tail.stop.word !== 'end') throw new TemplateError(`${where}: {{ else }} without {{ end }}`);
          otherwise = tail.nodes;
        }
        nodes.push({ k: 'range', pipe, body: bodyNodes, otherwise, where });
        continue;
      }
      if (word === 'define') {
        const nameTok = tokens[1];
        if (tokens.length !== 2 || nameTok?.t !== 'str') throw new TemplateError(`${where}: define needs one string name`);
        const { nodes: bodyNodes, stop } = parseList(true);
        if (!stop || stop.word !== 'end') throw new TemplateError(`${where}: unclosed {{ define }}`);
        defines.set(nameTok.v, bodyNodes);
        continue;
      }
      if (word === 'template') {
        const nameTok = tokens[1];
        if (nameTok?.t !== 'str') throw new TemplateError(`${where}: template needs a string name`);
        const rest = tokens.slice(2);
        nodes.push({ k: 'template', name: nameTok.v, pipe: rest.length ? parsePipeline(rest, where, false) : null, where });
        continue;
      }
      if (word) throw new TemplateError(`${where}: {{ ${word} }} is not supported by this renderer`);
      nodes.push({ k: 'out', pipe: parsePipeline(tokens, where, true), where });
    }
    return { nodes, stop: null };
  };
  const { nodes } = parseList(false);
  return { root: nodes, defines };
}

// ---------------------------------------------------------------------------------
// Values: truthiness, printing, YAML

/** Go template / Sprig emptiness: nil, false, 0, "", empty list or map. */
export function isEmpty(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object') return Object.keys(v as object).length === 0;
  return false;
}

/** Go's %v of a float64 (how helm prints numbers read from values). */
export function goFloat(n: number): string {
  if (!Number.isFinite(n)) return Number.isNaN(n) ? 'NaN' : n > 0 ? '+Inf' : '-Inf';
  if (n === 0) return '0';
  const [mant, expStr] = n.toExponential().split('e') as [string, string];
  const exp = Number(expStr);
  if (exp < -4 || exp >= 6) {
    const sign = exp < 0 ? '-' : '+';
    return `${mant}e${sign}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  return String(n);
}

function toStr(v: unknown, where: string): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return goFloat(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v === null) return '<nil>';
  if (v === undefined) throw new TemplateError(`${where}: value is missing (helm would print an empty string; this renderer treats it as a mistake)`);
  throw new TemplateError(`${where}: cannot print a ${Array.isArray(v) ? 'list' : 'map'} (use toYaml)`);
}

function sortKeysDeep(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeysDeep);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) out[k] = sortKeysDeep((v as Record<string, unknown>)[k]);
    return out;
  }
  return v;
}

/** helm's toYaml: keys sorted, sequences not indented under their key, no trailing newline. */
export function toYaml(v: unknown): string {
  if (v === undefined || v === null) return 'null';
  const s = stringifyYaml(sortKeysDeep(v), { indentSeq: false, lineWidth: 0, minContentWidth: 0 });
  return s.replace(/\n$/, '');
}

function indentText(n: number, s: string): string {
  const pad = ' '.repeat(n);
  return pad + s.replace(/\n/g, `\n${pad}`);
}

function goQuote(s: string): string {
  return JSON.stringify(s);
}

function printf(format: string, args: unknown[], where: string): string {
  let i = 0;
  return format.replace(/%([%sdvq])/g, (_m, verb: string) => {
    if (verb === '%') return '%';
    if (i >= args.length) return `%!${verb}(MISSING)`;
    const a = args[i++];
    if (verb === 'd') {
      if (typeof a !== 'number' || !Number.isInteger(a)) throw new TemplateError(`${where}: printf %d of a non-integer`);
      return String(a);
    }
    if (verb === 'q') return goQuote(toStr(a, where));
    return toStr(a, where);
  });
}

function cmp(a: unknown, b: unknown, where: string): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  throw new TemplateError(`${where}: incompatible types for comparison`);
}

function deepEqualScalar(a: unknown, b: unknown, where: string): boolean {
  if ((a === null || a === undefined) && (b === null || b === undefined)) return true;
  if (typeof a === 'object' || typeof b === 'object') throw new TemplateError(`${where}: eq/ne on a list or map`);
  if (typeof a !== typeof b) throw new TemplateError(`${where}: incompatible types for comparison`);
  return a === b;
}

// ---------------------------------------------------------------------------------
// Execution

interface Scope {
  vars: Map<string, unknown>;
  parent: Scope | null;
}

interface ExecEnv {
  defines: Map<string, Node[]>;
  depth: number;
}

type Fn = (env: ExecEnv, where: string, args: unknown[]) => unknown;

function arity(name: string, args: unknown[], min: number, max: number, where: string): void {
  if (args.length < min || args.length > max) {
    throw new TemplateError(`${where}: wrong number of args for ${name}: want ${min === max ? min : `${min}..${max}`}, got ${args.length}`);
  }
}

const str = (v: unknown, where: string): string => toStr(v, where);
const int = (v: unknown, fn: string, where: string): number => {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new TemplateError(`${where}: ${fn} wants an integer`);
  return v;
};

const FUNCTIONS: Record<string, Fn> = {
  include(env, where, args) {
    arity('include', args, 2, 2, where);
    return execNamed(env, str(args[0], where), args[1], where);
  },
  toYaml: (_e, w, a) => (arity('toYaml', a, 1, 1, w), toYaml(a[0])),
  toJson: (_e, w, a) => (arity('toJson', a, 1, 1, w), JSON.stringify(sortKeysDeep(a[0] ?? null))),
  nindent: (_e, w, a) => (arity('nindent', a, 2, 2, w), `\n${indentText(int(a[0], 'nindent', w), str(a[1], w))}`),
  indent: (_e, w, a) => (arity('indent', a, 2, 2, w), indentText(int(a[0], 'indent', w), str(a[1], w))),
  quote: (_e, w, a) => a.filter((x) => x !== null && x !== undefined).map((x) => goQuote(str(x, w))).join(' '),
  squote: (_e, w, a) => a.filter((x) => x !== null && x !== undefined).map((x) => `'${str(x, w)}'`).join(' '),
  default(_e, w, a) {
    arity('default', a, 1, 2, w);
    return a.length === 1 || isEmpty(a[1]) ? a[0] : a[1];
  },
  required(_e, w, a) {
    arity('required', a, 2, 2, w);
    if (a[1] === undefined || a[1] === null || a[1] === '') throw new TemplateError(`${w}: ${str(a[0], w)}`);
    return a[1];
  },
  fail(_e, w, a) {
    arity('fail', a, 1, 1, w);
    throw new TemplateError(`${w}: ${str(a[0], w)}`);
  },
  empty: (_e, w, a) => (arity('empty', a, 1, 1, w), isEmpty(a[0])),
  printf: (_e, w, a) => printf(str(a[0], w), a.slice(1), w),
  // fmt.Sprint: a space between operands when neither is a string.
  print: (_e, w, a) => a.map((x, i) => (i > 0 && typeof x !== 'string' && typeof a[i - 1] !== 'string' ? ' ' : '') + str(x, w)).join(''),
  trunc(_e, w, a) {
    arity('trunc', a, 2, 2, w);
    const n = int(a[0], 'trunc', w);
    const s = str(a[1], w);
    return n >= 0 ? s.slice(0, n) : s.slice(Math.max(0, s.length + n));
  },
  trimSuffix: (_e, w, a) => (arity('trimSuffix', a, 2, 2, w), str(a[1], w).endsWith(str(a[0], w)) && str(a[0], w)
    ? str(a[1], w).slice(0, -str(a[0], w).length) : str(a[1], w)),
  trimPrefix: (_e, w, a) => (arity('trimPrefix', a, 2, 2, w), str(a[1], w).startsWith(str(a[0], w)) ? str(a[1], w).slice(str(a[0], w).length) : str(a[1], w)),
  replace: (_e, w, a) => (arity('replace', a, 3, 3, w), str(a[2], w).split(str(a[0], w)).join(str(a[1], w))),
  contains: (_e, w, a) => (arity('contains', a, 2, 2, w), str(a[1], w).includes(str(a[0], w))),
  hasPrefix: (_e, w, a) => (arity('hasPrefix', a, 2, 2, w), str(a[1], w).startsWith(str(a[0], w))),
  hasSuffix: (_e, w, a) => (arity('hasSuffix', a, 2, 2, w), str(a[1], w).endsWith(str(a[0], w))),
  lower: (_e, w, a) => (arity('lower', a, 1, 1, w), str(a[0], w).toLowerCase()),
  upper: (_e, w, a) => (arity('upper', a, 1, 1, w), str(a[0], w).toUpperCase()),
  // (typed explicitly: an object literal's "toString" key gets no contextual type)
  toString: ((_e, w, a) => (arity('toString', a, 1, 1, w), str(a[0], w))) as Fn,
  sha256sum: (_e, w, a) => (arity('sha256sum', a, 1, 1, w), createHash('sha256').update(str(a[0], w)).digest('hex')),
  eq(_e, w, a) {
    if (a.length < 2) throw new TemplateError(`${w}: eq needs at least 2 args`);
    return a.slice(1).some((b) => deepEqualScalar(a[0], b, w));
  },
  ne: (_e, w, a) => (arity('ne', a, 2, 2, w), !deepEqualScalar(a[0], a[1], w)),
  lt: (_e, w, a) => (arity('lt', a, 2, 2, w), cmp(a[0], a[1], w) < 0),
  le: (_e, w, a) => (arity('le', a, 2, 2, w), cmp(a[0], a[1], w) <= 0),
  gt: (_e, w, a) => (arity('gt', a, 2, 2, w), cmp(a[0], a[1], w) > 0),
  ge: (_e, w, a) => (arity('ge', a, 2, 2, w), cmp(a[0], a[1], w) >= 0),
  not: (_e, w, a) => (arity('not', a, 1, 1, w), isEmpty(a[0])),
  and(_e, w, a) {
    if (!a.length) throw new TemplateError(`${w}: and needs args`);
    for (const x of a) if (isEmpty(x)) return x;
    return a[a.length - 1];
  },
  or(_e, w, a) {
    if (!a.length) throw new TemplateError(`${w}: or needs args`);
    for (const x of a) if (!isEmpty(x)) return x;
    return a[a.length - 1];
  },
  list: (_e, _w, a) => [...a],
  dict(_e, w, a) {
    if (a.length % 2) throw new TemplateError(`${w}: dict needs key/value pairs`);
    const out: Record<string, unknown> = {};
    for (let i = 0; i < a.length; i += 2) out[str(a[i], w)] = a[i + 1];
    return out;
  },
};
for (const name of Object.keys(FUNCTIONS)) FUNCTION_NAMES.add(name);

/** The function names this renderer implements (for the README and tests). */
export const SUPPORTED_FUNCTIONS: readonly string[] = Object.keys(FUNCTIONS).sort();

function lookupVar(scope: Scope, name: string, where: string): unknown {
  for (let s: Scope | null = scope; s; s = s.parent) if (s.vars.has(name)) return s.vars.get(name);
  throw new TemplateError(`${where}: undefined variable $${name}`);
}

function walkPath(base: unknown, path: string[], where: string, label: string): unknown {
  let cur = base;
  let walked = label;
  for (const key of path) {
    if (cur === undefined || cur === null) throw new TemplateError(`${where}: nil pointer evaluating ${walked}.${key}`);
    if (typeof cur !== 'object' || Array.isArray(cur)) throw new TemplateError(`${where}: can't evaluate field ${key} in ${walked}`);
    cur = Object.hasOwn(cur, key) ? (cur as Record<string, unknown>)[key] : undefined;
    walked += `.${key}`;
  }
  return cur;
}

function evalOperand(env: ExecEnv, op: Operand, dot: unknown, scope: Scope, where: string): unknown {
  switch (op.k) {
    case 'field':
      return walkPath(dot, op.path, where, '');
    case 'var':
      return walkPath(lookupVar(scope, op.name, where), op.path, where, `$${op.name}`);
    case 'lit':
      return op.v;
    case 'sub':
      return evalPipeline(env, op.pipe, dot, scope, where);
    case 'fn':
      return FUNCTIONS[op.name]!(env, where, []);
  }
}

function evalPipeline(env: ExecEnv, pipe: Pipeline, dot: unknown, scope: Scope, where: string): unknown {
  let value: unknown;
  let first = true;
  for (const cmd of pipe.cmds) {
    const head = cmd[0]!;
    if (head.k === 'fn') {
      const args = cmd.slice(1).map((op) => evalOperand(env, op, dot, scope, where));
      if (!first) args.push(value);
      value = FUNCTIONS[head.name]!(env, where, args);
    } else {
      if (cmd.length > 1) throw new TemplateError(`${where}: can't give arguments to a non-function`);
      value = evalOperand(env, head, dot, scope, where);
    }
    first = false;
  }
  if (pipe.decl.length === 1) {
    if (pipe.assign) {
      let s: Scope | null = scope;
      while (s && !s.vars.has(pipe.decl[0]!)) s = s.parent;
      if (!s) throw new TemplateError(`${where}: undefined variable $${pipe.decl[0]}`);
      s.vars.set(pipe.decl[0]!, value);
    } else {
      scope.vars.set(pipe.decl[0]!, value);
    }
  }
  return value;
}

function execNodes(env: ExecEnv, nodes: Node[], dot: unknown, scope: Scope, out: string[]): void {
  for (const node of nodes) {
    switch (node.k) {
      case 'text':
        out.push(node.text);
        break;
      case 'out': {
        const v = evalPipeline(env, node.pipe, dot, scope, node.where);
        if (!node.pipe.decl.length) out.push(toStr(v, node.where));
        break;
      }
      case 'if':
      case 'with': {
        // Variables declared in the condition are visible in every branch.
        const condScope: Scope = { vars: new Map(), parent: scope };
        let done = false;
        for (const br of node.branches) {
          const v = evalPipeline(env, br.pipe, dot, condScope, node.where);
          if (!isEmpty(v)) {
            execNodes(env, br.body, node.k === 'with' ? v : dot, { vars: new Map(), parent: condScope }, out);
            done = true;
            break;
          }
        }
        if (!done && node.otherwise) execNodes(env, node.otherwise, dot, { vars: new Map(), parent: condScope }, out);
        break;
      }
      case 'range': {
        const pipe = { ...node.pipe, decl: [] };
        const v = evalPipeline(env, pipe, dot, scope, node.where);
        let items: [unknown, unknown][];
        if (v === undefined || v === null) items = [];
        else if (Array.isArray(v)) items = v.map((x, i) => [i, x]);
        else if (typeof v === 'object') items = Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]]);
        else if (typeof v === 'number' && Number.isInteger(v)) items = Array.from({ length: v }, (_x, i) => [i, i]);
        else throw new TemplateError(`${node.where}: range can't iterate over ${toStr(v, node.where)}`);
        if (!items.length) {
          if (node.otherwise) execNodes(env, node.otherwise, dot, { vars: new Map(), parent: scope }, out);
          break;
        }
        for (const [k, x] of items) {
          const s: Scope = { vars: new Map(), parent: scope };
          if (node.pipe.decl.length === 1) s.vars.set(node.pipe.decl[0]!, x);
          if (node.pipe.decl.length === 2) {
            s.vars.set(node.pipe.decl[0]!, k);
            s.vars.set(node.pipe.decl[1]!, x);
          }
          execNodes(env, node.body, x, s, out);
        }
        break;
      }
      case 'template': {
        const arg = node.pipe ? evalPipeline(env, node.pipe, dot, scope, node.where) : null;
        out.push(execNamed(env, node.name, arg, node.where));
        break;
      }
    }
  }
}

function execNamed(env: ExecEnv, name: string, data: unknown, where: string): string {
  const body = env.defines.get(name);
  if (!body) throw new TemplateError(`${where}: no template ${JSON.stringify(name)}`);
  if (env.depth > 100) throw new TemplateError(`${where}: template recursion too deep at ${JSON.stringify(name)}`);
  const out: string[] = [];
  execNodes({ ...env, depth: env.depth + 1 }, body, data, { vars: new Map([['', data]]), parent: null }, out);
  return out.join('');
}

// ---------------------------------------------------------------------------------
// Charts

export type Values = Record<string, unknown>;

export interface Chart {
  dir: string;
  metadata: Record<string, unknown>;
  values: Values;
  /** Template files by path relative to the chart dir, e.g. "templates/daemonset.yaml". */
  templates: Map<string, string>;
  /** CRD files by path relative to the chart dir, e.g. "crds/slopolicy.yaml". */
  crds: Map<string, string>;
  /** values.schema.json, when the chart has one (helm validates the values against it). */
  schema: Record<string, unknown> | null;
}

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const full = join(dir, entry);
    if (statSync(full).isDirectory()) out.push(...listFiles(full));
    else out.push(full);
  }
  return out;
}

export function loadChart(dir: string): Chart {
  const metadata = parseYaml(readFileSync(join(dir, 'Chart.yaml'), 'utf8')) as Record<string, unknown>;
  const valuesFile = join(dir, 'values.yaml');
  const values = existsSync(valuesFile) ? ((parseYaml(readFileSync(valuesFile, 'utf8')) ?? {}) as Values) : {};
  const templates = new Map<string, string>();
  for (const f of listFiles(join(dir, 'templates'))) templates.set(relative(dir, f), readFileSync(f, 'utf8'));
  const crds = new Map<string, string>();
  for (const f of listFiles(join(dir, 'crds'))) crds.set(relative(dir, f), readFileSync(f, 'utf8'));
  const schemaFile = join(dir, 'values.schema.json');
  const schema = existsSync(schemaFile) ? (JSON.parse(readFileSync(schemaFile, 'utf8')) as Record<string, unknown>) : null;
  return { dir, metadata, values, templates, crds, schema };
}

/** Helm refuses to install or render when the coalesced values break values.schema.json. */
export class ValuesSchemaError extends Error {
  override name = 'ValuesSchemaError';
}

function describeSchemaError(e: ErrorObject, values: Values): string {
  const path = e.instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  let v: unknown = values;
  for (const p of path) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[p] : undefined;
  const where = path.length ? path.join('.') : '(root)';
  const extra = e.keyword === 'additionalProperties' ? ` (${String((e.params as { additionalProperty: string }).additionalProperty)})` : '';
  return `- ${where}: ${e.message ?? e.keyword}${extra}, got ${JSON.stringify(v)}`;
}

/**
 * Validates `values` (already coalesced) against the chart's values.schema.json with a
 * real JSON-Schema validator (draft-07, as helm's), throwing a ValuesSchemaError that
 * names every failing field and its value. No schema: nothing to check.
 */
const compiledSchemas = new WeakMap<object, ReturnType<Ajv['compile']>>();

export function validateValues(chart: Chart, values: Values): void {
  if (!chart.schema) return;
  let validate = compiledSchemas.get(chart.schema);
  if (!validate) {
    validate = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true }).compile(chart.schema);
    compiledSchemas.set(chart.schema, validate);
  }
  if (validate(values)) return;
  const lines = (validate.errors ?? []).map((e) => describeSchemaError(e, values));
  throw new ValuesSchemaError(`values don't meet the specifications of the schema(s) in chart ${String(chart.metadata['name'])}:\n${lines.join('\n')}`);
}

/** helm's value coalescing: maps merge deeply, anything else replaces, null deletes. */
export function mergeValues(base: Values, override: Values): Values {
  const out: Values = { ...base };
  for (const [k, v] of Object.entries(override)) {
    const b = out[k];
    if (v === null) delete out[k];
    else if (v && typeof v === 'object' && !Array.isArray(v) && b && typeof b === 'object' && !Array.isArray(b)) {
      out[k] = mergeValues(b as Values, v as Values);
    } else out[k] = v;
  }
  return out;
}

export interface RenderOptions {
  releaseName: string;
  namespace: string;
  values?: Values;
  isUpgrade?: boolean;
  kubeVersion?: string; // e.g. "v1.31.0"
}

export interface RenderResult {
  /** Rendered manifest text by template path ("templates/daemonset.yaml"); empty outputs dropped. */
  manifests: Map<string, string>;
  notes: string | null;
}

/** Renders every template of the chart as `helm template` would (within the subset). */
export function renderChart(chart: Chart, opts: RenderOptions): RenderResult {
  const chartName = String(chart.metadata['name']);
  const chartObj: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(chart.metadata)) chartObj[k.charAt(0).toUpperCase() + k.slice(1)] = v;
  const kv = opts.kubeVersion ?? 'v1.31.0';
  const [major, minor] = kv.replace(/^v/, '').split('.');
  const values = mergeValues(chart.values, opts.values ?? {});
  validateValues(chart, values);
  const top = {
    Values: values,
    Release: {
      Name: opts.releaseName,
      Namespace: opts.namespace,
      Service: 'Helm',
      IsInstall: !opts.isUpgrade,
      IsUpgrade: !!opts.isUpgrade,
      Revision: 1,
    },
    Chart: chartObj,
    Capabilities: { KubeVersion: { Version: kv, Major: major, Minor: minor } },
  };
  // Every file is parsed first so that defines from any file (helpers) are visible, and
  // each file is itself a named template ("<chart>/templates/<file>"), as in helm.
  const defines = new Map<string, Node[]>();
  const roots = new Map<string, Node[]>();
  for (const [path, src] of chart.templates) {
    const fullName = `${chartName}/${path}`;
    const parsed = parseTemplate(src, fullName);
    for (const [n, body] of parsed.defines) defines.set(n, body);
    defines.set(fullName, parsed.root);
    roots.set(path, parsed.root);
  }
  const env: ExecEnv = { defines, depth: 0 };
  const manifests = new Map<string, string>();
  let notes: string | null = null;
  for (const [path, root] of roots) {
    const base = path.split('/').pop()!;
    if (base.startsWith('_')) continue;
    const dot = { ...top, Template: { Name: `${chartName}/${path}`, BasePath: `${chartName}/templates` } };
    const out: string[] = [];
    execNodes(env, root, dot, { vars: new Map([['', dot]]), parent: null }, out);
    const text = out.join('');
    if (base === 'NOTES.txt') notes = text;
    else if (text.trim()) manifests.set(path, text);
  }
  return { manifests, notes };
}

/** Renders one template string with the given data (for unit tests of the renderer). */
export function renderString(src: string, data: unknown, extraDefines: Record<string, string> = {}): string {
  const defines = new Map<string, Node[]>();
  for (const [n, s] of Object.entries(extraDefines)) {
    const p = parseTemplate(s, n);
    for (const [dn, body] of p.defines) defines.set(dn, body);
  }
  const parsed = parseTemplate(src, 'inline');
  for (const [n, body] of parsed.defines) defines.set(n, body);
  const out: string[] = [];
  execNodes({ defines, depth: 0 }, parsed.root, data, { vars: new Map([['', data]]), parent: null }, out);
  return out.join('');
}
