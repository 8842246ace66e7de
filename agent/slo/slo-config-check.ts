// Positions for the config file's problems: every skipped entry or field of an SLO config
// file located at its line and column ("FILE:LINE:COL: field: problem"). `scx-slo
// check-config FILE` prints these and exits 1 on any; the running agent's reload (file
// change, SIGHUP, the DaemonSet's ConfigMap update) logs the same lines
// (checkSloConfig() in slo-config-file.ts).
import { isMap, isScalar, LineCounter, parseDocument, type Node } from 'yaml';

export interface Position {
  line: number;
  column: number;
}

/** A problem as the parser reports it: the field it is about and "FILE: field: ..." text. */
export interface FieldProblem {
  field: string;
  message: string;
}

/** The problem, located where the YAML library found its node. */
export type Located<T extends FieldProblem> = T & {
  position?: Position;
  /** The message with the file's name followed by ":LINE:COL" when located. */
  located: string;
};

/**
 * Where each field of the file stands, keyed as ConfigFileError.field names them:
 * `cgroups["<path>"]` (the entry's key) and `cgroups["<path>"].<key>` (the value).
 */
export function locateConfigFields(text: string): Map<string, Position> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: false });
  const out = new Map<string, Position>();
  const at = (node: Node | null | undefined): Position | undefined => {
    const start = node?.range?.[0];
    if (start === undefined) return undefined;
    const p = lineCounter.linePos(start);
    return { line: p.line, column: p.col };
  };
  if (!isMap(doc.contents)) return out;
  const cgroups = doc.contents.items.find((p) => isScalar(p.key) && p.key.value === 'cgroups')?.value;
  if (!isMap(cgroups)) return out;
  for (const pair of cgroups.items) {
    if (!isScalar(pair.key)) continue;
    const entry = `cgroups[${JSON.stringify(String(pair.key.value))}]`;
    const keyPos = at(pair.key);
    if (keyPos && !out.has(entry)) out.set(entry, keyPos);
    if (!isMap(pair.value)) continue;
    for (const field of pair.value.items) {
      if (!isScalar(field.key)) continue;
      const pos = at(field.value as Node | null) ?? at(field.key);
      const name = `${entry}.${String(field.key.value)}`;
      if (pos && !out.has(name)) out.set(name, pos);
    }
  }
  return out;
}

/** Adds positions to `problems` found in `text` (the file `fileName`). */
export function locateProblems<T extends FieldProblem>(problems: readonly T[], text: string, fileName: string): Array<Located<T>> {
  if (problems.length === 0) return [];
  const positions = locateConfigFields(text);
  const prefix = `${fileName}: `;
  return problems.map((e) => {
    const position = positions.get(e.field);
    const rest = e.message.startsWith(prefix) ? e.message.slice(prefix.length) : e.message;
    const located = position ? `${fileName}:${position.line}:${position.column}: ${rest}` : e.message;
    return { ...e, position, located };
  });
}
