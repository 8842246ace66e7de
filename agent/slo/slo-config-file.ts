// The config-file SLO source, for hosts without Kubernetes: a YAML file that maps cgroup
// paths to SLOs. Format (all keys but `cgroups` are reserved and rejected):
//
//   # /etc/scx-slo/slos.yaml
//   cgroups:
//     # cgroup path relative to the cgroup root (/sys/fs/cgroup); a leading "/" is allowed
//     system.slice/nginx.service:
//       budgetMs: 20          # latency budget, ms: > 0, <= 3600000 (1 hour); "20ms" also accepted
//       importance: 80        # 1..100
//     system.slice/postgresql.service:
//       budgetMs: 5           # importance omitted: the default (50)
//     user.slice:
//       importance: 10        # budget omitted: the default (100 ms)
//
// Each entry needs budgetMs and/or importance. An entry with a bad path, a bad value or
// an unknown key is reported (file, field and value; logged and counted in
// scx_slo_config_errors_total{source="config_file"}) and skipped; the other entries
// apply. A file that is not valid YAML, or whose top level is not as above, is rejected
// as a whole: at start that is an error, on a reload the previous configuration stays.
//
// Paths resolve to cgroup ids like pods do (the directory's inode). A path that does not
// exist yet (a service not started) is retried every resolveIntervalMs, and a cgroup
// that is removed and created again gets its new id. The file is reloaded on SIGHUP and
// when it changes (a watch on its directory, so editors that replace the file and
// Kubernetes ConfigMap symlink swaps are seen too).
import { readFileSync, statSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import { isMap, isScalar, parseDocument, visit } from 'yaml';
import { DEFAULT_BUDGET_NS, DEFAULT_IMPORTANCE, type SloEntry } from '../../policy/api.js';
import { cgroupIdOf, checkCgroupRoot, DEFAULT_CGROUP_ROOT, normalizeCgroupPath } from './cgroup-id.js';
import type { ConfigErrorCounter } from '../metrics/config-errors.js';
import type { SloSource, SloSourceStatus } from '../metrics/slo-source-status.js';
import { SloApplier, type DesiredSlo } from './slo-applier.js';
import type { SloStore } from './slo-store.js';
import { parseBudgetMs, parseImportance, quoteValue } from './slo-values.js';
import { WorkloadRegistry } from './workload-registry.js';
import { locateProblems, type Located } from './slo-config-check.js';

export const CONFIG_FILE_SOURCE = 'config_file';

/** One valid entry of the file. */
export interface ConfigFileEntry {
  /** Normalized, relative to the cgroup root. */
  cgroupPath: string;
  slo: SloEntry;
}

/** One skipped entry (or field) of the file. */
export interface ConfigFileError {
  /** The field, e.g. `cgroups["system.slice/nginx.service"].budgetMs`. */
  field: string;
  /** The field's short name for metrics: "budgetMs", "importance", "cgroup", "entry". */
  metricField: string;
  value: unknown;
  message: string;
}

export interface ParsedSloConfig {
  entries: ConfigFileEntry[];
  errors: ConfigFileError[];
}

const ENTRY_KEYS = new Set(['budgetMs', 'importance']);

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The file through the YAML library (any YAML), with a linear duplicate-key check. */
function parseYamlSloConfig(text: string, fileName: string): unknown {
  const doc = parseDocument(text, { uniqueKeys: false });
  if (doc.errors.length > 0) throw new Error(`${fileName}: not valid YAML: ${doc.errors[0]!.message.split('\n')[0]}`);
  const dup = duplicateKey(doc, text);
  if (dup) throw new Error(`${fileName}: not valid YAML: Map keys must be unique (${JSON.stringify(dup.key)} again at line ${dup.line})`);
  return doc.toJS();
}

/** Largest config file read, bytes (20,000 entries take about 1.5 MB). */
export const MAX_CONFIG_FILE_BYTES = 8 << 20;

/**
 * The first key that appears twice in one mapping, anywhere in the document, with its
 * line. A Set per mapping: linear (the yaml library's own uniqueKeys check compares
 * every key with every other, seconds for a few thousand entries).
 */
function duplicateKey(doc: ReturnType<typeof parseDocument>, text: string): { key: string; line: number } | undefined {
  let found: { key: string; line: number } | undefined;
  visit(doc, {
    Map(_key, map) {
      if (!isMap(map)) return undefined;
      const seen = new Set<string>();
      for (const pair of map.items) {
        const k: unknown = pair.key;
        const name = isScalar(k) ? String(k.value) : JSON.stringify(k);
        if (seen.has(name)) {
          const offset = isScalar(k) && k.range ? k.range[0] : 0;
          found = { key: name, line: text.slice(0, offset).split('\n').length };
          return visit.BREAK;
        }
        seen.add(name);
      }
      return undefined;
    },
  });
  return found;
}

const PLAIN_KEY = /^[A-Za-z_/][A-Za-z0-9_.@/+:-]*$/;
const RESERVED_KEY = /^(?:true|false|null|yes|no|on|off|y|n)$/i;
const NUMBER = /^-?\d+(?:\.\d+)?$/;
// A comment starts at a `#` after white space, and a key's colon is followed by white
// space (else YAML reads one plain scalar): the fast path follows both rules.
const FLOW_ENTRY = /^(\s+)(\S+):\s+\{\s*([^{}]*?)\s*\}(?:\s+#.*|\s*)$/;
const BLOCK_ENTRY = /^(\s+)(\S+):(?:\s+#.*|\s*)$/;
const FIELD = /^(\s+)(budgetMs|importance):\s+(\S+)(?:\s+#.*|\s*)$/;

/**
 * The file in its documented shape, read line by line without building a YAML document:
 * "cgroups:" then entries `  path: { budgetMs: N, importance: N }` or in block form, plain
 * keys and decimal numbers, comments and blank lines. The same object the YAML library
 * would give (a property test checks they agree), or undefined for anything else, which
 * then goes to the YAML library. Thousands of entries parse in milliseconds this way.
 */
export function parseCanonicalSloConfig(text: string, fileName: string): { cgroups: Record<string, Record<string, number>> | null } | undefined {
  const lines = text.split('\n');
  let i = 0;
  const significant = (l: string): boolean => !/^\s*(?:#.*)?\r?$/.test(l);
  while (i < lines.length && !significant(lines[i]!)) i++;
  if (i === lines.length || !/^cgroups:(?:\s+#.*|\s*)$/.test(lines[i]!)) return undefined;
  i++;
  const cgroups: Record<string, Record<string, number>> = Object.create(null) as Record<string, Record<string, number>>;
  const keyOk = (k: string): boolean => PLAIN_KEY.test(k) && !RESERVED_KEY.test(k) && !k.endsWith(':') && k !== '__proto__';
  let indent: string | undefined;
  let current: { key: string; fields: Record<string, number>; indent: string | undefined } | undefined;
  const add = (key: string, fields: Record<string, number>, lineNo: number): void => {
    if (Object.hasOwn(cgroups, key)) throw new Error(`${fileName}: not valid YAML: Map keys must be unique (${JSON.stringify(key)} again at line ${lineNo})`);
    cgroups[key] = fields;
  };
  for (; i < lines.length; i++) {
    const line = lines[i]!;
    if (!significant(line)) continue;
    if (line.includes('\t') || line.endsWith('\r')) return undefined;
    const field = FIELD.exec(line);
    if (field && current && field[1]!.length > indent!.length) {
      if (current.indent === undefined) current.indent = field[1];
      if (field[1] !== current.indent || !NUMBER.test(field[3]!) || Object.hasOwn(current.fields, field[2]!)) return undefined;
      current.fields[field[2]!] = Number(field[3]);
      continue;
    }
    const m = FLOW_ENTRY.exec(line) ?? BLOCK_ENTRY.exec(line);
    if (!m) return undefined;
    if (indent === undefined) indent = m[1];
    if (m[1] !== indent || !keyOk(m[2]!)) return undefined;
    if (current && Object.keys(current.fields).length === 0) return undefined; // `key:` with nothing under it is null
    current = undefined;
    if (m.length === 4) {
      const fields: Record<string, number> = {};
      const body = m[3]!;
      if (body !== '') {
        for (const part of body.split(',')) {
          const kv = /^\s*(budgetMs|importance):\s+(\S+?)\s*$/.exec(part);
          if (!kv || !NUMBER.test(kv[2]!) || Object.hasOwn(fields, kv[1]!)) return undefined;
          fields[kv[1]!] = Number(kv[2]);
        }
      }
      add(m[2]!, fields, i + 1);
    } else {
      current = { key: m[2]!, fields: {}, indent: undefined };
      add(m[2]!, current.fields, i + 1);
    }
  }
  if (current && Object.keys(current.fields).length === 0) return undefined;
  // "cgroups:" with nothing under it is null in YAML.
  return { cgroups: indent === undefined ? null : { ...cgroups } };
}

/**
 * Parses and validates the file's text. Throws (naming `fileName`) when the file as a
 * whole is unusable; returns the valid entries and the errors of the skipped ones.
 */
export function parseSloConfig(text: string, fileName: string): ParsedSloConfig {
  if (text.length > MAX_CONFIG_FILE_BYTES) {
    throw new Error(`${fileName}: ${text.length} characters, more than the ${MAX_CONFIG_FILE_BYTES} bytes allowed for an SLO file`);
  }
  const root: unknown = parseCanonicalSloConfig(text, fileName) ?? parseYamlSloConfig(text, fileName);
  const entries: ConfigFileEntry[] = [];
  const errors: ConfigFileError[] = [];
  if (root === null || root === undefined) return { entries, errors };
  if (!isRecord(root)) throw new Error(`${fileName}: the top level must be a mapping with a "cgroups" key, got ${quoteValue(root)}`);
  for (const key of Object.keys(root)) {
    if (key !== 'cgroups') throw new Error(`${fileName}: unknown top-level key ${JSON.stringify(key)} (only "cgroups" is allowed)`);
  }
  const cgroups = root['cgroups'];
  if (cgroups === null || cgroups === undefined) return { entries, errors };
  if (!isRecord(cgroups)) throw new Error(`${fileName}: "cgroups" must be a mapping of cgroup path to {budgetMs, importance}, got ${quoteValue(cgroups)}`);

  const seen = new Map<string, string>();
  for (const [rawPath, value] of Object.entries(cgroups)) {
    const at = `cgroups[${JSON.stringify(rawPath)}]`;
    const fail = (field: string, metricField: string, v: unknown, rule: string): void => {
      errors.push({ field, metricField, value: v, message: `${fileName}: ${field}: invalid value ${quoteValue(v)}: ${rule}; entry skipped` });
    };
    let cgroupPath: string;
    try {
      cgroupPath = normalizeCgroupPath(rawPath);
    } catch (err) {
      fail(at, 'cgroup', rawPath, (err as Error).message.replace(/^cgroup path "[^"]*": /, 'bad cgroup path: '));
      continue;
    }
    if (seen.has(cgroupPath)) {
      fail(at, 'cgroup', rawPath, `same cgroup as cgroups[${JSON.stringify(seen.get(cgroupPath))}]`);
      continue;
    }
    seen.set(cgroupPath, rawPath);
    if (!isRecord(value)) {
      fail(at, 'entry', value, 'must be a mapping with budgetMs and/or importance');
      continue;
    }
    const unknown = Object.keys(value).find((k) => !ENTRY_KEYS.has(k));
    if (unknown !== undefined) {
      fail(`${at}.${unknown}`, 'entry', value[unknown], `unknown key ${JSON.stringify(unknown)} (allowed: budgetMs, importance)`);
      continue;
    }
    if (value['budgetMs'] === undefined && value['importance'] === undefined) {
      fail(at, 'entry', value, 'must set budgetMs and/or importance');
      continue;
    }
    let budgetNs = DEFAULT_BUDGET_NS;
    if (value['budgetMs'] !== undefined) {
      const parsed = parseBudgetMs(value['budgetMs']);
      if (!parsed.ok) {
        fail(`${at}.budgetMs`, 'budgetMs', value['budgetMs'], parsed.error);
        continue;
      }
      budgetNs = parsed.value;
    }
    let importance = DEFAULT_IMPORTANCE;
    if (value['importance'] !== undefined) {
      const parsed = parseImportance(value['importance']);
      if (!parsed.ok) {
        fail(`${at}.importance`, 'importance', value['importance'], parsed.error);
        continue;
      }
      importance = parsed.value;
    }
    entries.push({ cgroupPath, slo: { budgetNs, importance } });
  }
  return { entries, errors };
}

/** The file's valid entries and its problems, located at line and column. */
export interface SloConfigCheck {
  entries: ConfigFileEntry[];
  errors: Array<Located<ConfigFileError>>;
}

/** parseSloConfig() with every problem located (`scx-slo check-config` and each reload). */
export function checkSloConfig(text: string, fileName: string): SloConfigCheck {
  const parsed = parseSloConfig(text, fileName);
  return { entries: parsed.entries, errors: locateProblems(parsed.errors, text, fileName) };
}

export interface SloConfigFileOptions {
  /** The YAML file. */
  file: string;
  store: SloStore;
  /** cgroup v2 mount the paths are relative to (default /sys/fs/cgroup). */
  cgroupRoot?: string;
  /** Registry to record cgroup id -> path in (default: a new one, see `.registry`). */
  registry?: WorkloadRegistry;
  configErrors?: ConfigErrorCounter;
  /** Period of the pass that resolves paths again (default 2 s). */
  resolveIntervalMs?: number;
  /** Reload when the file changes (default true). */
  watchFile?: boolean;
  /** Reload on this signal (default SIGHUP; false: none). Listening replaces the default exit on it. */
  reloadSignal?: NodeJS.Signals | false;
  log?: Pick<Console, 'info' | 'warn'>;
}

export class SloConfigFileSource implements SloSource {
  readonly registry: WorkloadRegistry;
  private readonly applier: SloApplier;
  private readonly cgroupRoot: string;
  private readonly log: Pick<Console, 'info' | 'warn'>;
  private entries: ConfigFileEntry[] = [];
  private lastText: string | undefined;
  private loaded = false;
  private unresolved = 0;
  private timer: NodeJS.Timeout | undefined;
  private watcher: FSWatcher | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private readonly onSignal = (): void => {
    this.log.info(`scx-slo: reloading ${this.options.file}`);
    this.reload();
  };

  constructor(private readonly options: SloConfigFileOptions) {
    this.registry = options.registry ?? new WorkloadRegistry();
    this.cgroupRoot = options.cgroupRoot ?? DEFAULT_CGROUP_ROOT;
    this.log = options.log ?? console;
    this.applier = new SloApplier(options.store, this.registry, this.log);
  }

  /** Loads the file (throws when it cannot be used) and starts the reload triggers. */
  start(): void {
    checkCgroupRoot(this.cgroupRoot, 'config file', this.log);
    this.load(true);
    this.timer = setInterval(() => this.reconcile(), this.options.resolveIntervalMs ?? 2000);
    this.timer.unref();
    if (this.options.watchFile !== false) {
      const name = basename(this.options.file);
      this.watcher = watch(dirname(this.options.file), { persistent: false }, (_event, changed) => {
        if (changed !== null && changed !== name && !String(changed).startsWith('..')) return;
        if (this.debounce) clearTimeout(this.debounce);
        this.debounce = setTimeout(() => this.reload(), 50);
        this.debounce.unref();
      });
      this.watcher.on('error', (err) => this.log.warn(`scx-slo: cannot watch ${this.options.file}: ${err.message}`));
    }
    const signal = this.options.reloadSignal ?? 'SIGHUP';
    if (signal) process.on(signal, this.onSignal);
  }

  /** Stops reloading. Entries stay in the store. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.debounce) clearTimeout(this.debounce);
    this.watcher?.close();
    const signal = this.options.reloadSignal ?? 'SIGHUP';
    if (signal) process.off(signal, this.onSignal);
  }

  /** Reads the file again; on failure keeps the current configuration. Returns whether it applied. */
  reload(): boolean {
    try {
      return this.load(false);
    } catch (err) {
      this.options.configErrors?.record('config_file', 'file');
      this.log.warn(`scx-slo: ${(err as Error).message}; keeping the previous configuration`);
      return false;
    }
  }

  /** Resolves every entry's path again and applies the result. */
  reconcile(): void {
    const desired = new Map<number, DesiredSlo>();
    let unresolved = 0;
    for (const e of this.entries) {
      let id: number | undefined;
      try {
        id = cgroupIdOf(this.cgroupRoot, e.cgroupPath);
      } catch (err) {
        this.log.warn(`scx-slo: ${this.options.file}: cgroup ${e.cgroupPath}: ${(err as Error).message}`);
      }
      if (id === undefined) {
        unresolved += 1;
        continue;
      }
      desired.set(id, { slo: e.slo, workload: { cgroupId: id, cgroupPath: e.cgroupPath, source: CONFIG_FILE_SOURCE } });
    }
    this.applier.apply(desired);
    this.unresolved = unresolved;
  }

  status(): SloSourceStatus {
    return {
      name: CONFIG_FILE_SOURCE,
      synced: this.loaded,
      entries: this.applier.size,
      unresolved: this.unresolved,
      storeErrors: this.applier.storeErrors,
    };
  }

  private load(initial: boolean): boolean {
    let text: string;
    try {
      const size = statSync(this.options.file).size;
      if (size > MAX_CONFIG_FILE_BYTES) throw new Error(`${size} bytes, more than the ${MAX_CONFIG_FILE_BYTES} allowed for an SLO file`);
      text = readFileSync(this.options.file, 'utf8');
    } catch (err) {
      throw new Error(`${this.options.file}: cannot read: ${(err as Error).message}`);
    }
    if (!initial && text === this.lastText) return false;
    const parsed = checkSloConfig(text, this.options.file);
    for (const e of parsed.errors) {
      this.options.configErrors?.record('config_file', e.metricField);
      this.log.warn(`scx-slo: ${e.located}`);
    }
    this.lastText = text;
    this.entries = parsed.entries;
    this.loaded = true;
    this.reconcile();
    this.log.info(
      `scx-slo: ${this.options.file}: ${parsed.entries.length} SLO entries (${parsed.errors.length} skipped), ${this.applier.size} applied, ` +
        `${this.unresolved} cgroups not found yet`,
    );
    return true;
  }
}

/** Starts the config-file source; throws when the file cannot be read or parsed. */
export function startSloConfigFile(options: SloConfigFileOptions): SloConfigFileSource {
  const source = new SloConfigFileSource(options);
  source.start();
  return source;
}
