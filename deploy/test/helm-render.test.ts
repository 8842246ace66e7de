// The template renderer itself (deploy/verify/helm-render.ts): the Go-template and Sprig behaviour the
// chart relies on, as helm has it.
import test from 'ava';
import { goFloat, mergeValues, renderString, toYaml, SUPPORTED_FUNCTIONS } from '../verify/helm-render.js';

const data = {
  Values: { name: 'x', n: 3, on: true, off: false, empty: '', list: ['a', 'b'], map: { b: 2, a: 1 }, nested: { k: 'v' } },
  Release: { Name: 'rel', Namespace: 'ns' },
};

test('text, fields and whitespace trimming', (t) => {
  t.is(renderString('a {{ .Values.name }} b', data), 'a x b');
  t.is(renderString('a  \n  {{- .Values.name -}}  \n b', data), 'axb');
  t.is(renderString('a  {{- .Values.name }}  b', data), 'ax  b');
  t.is(renderString('a\n{{- /* a comment */ -}}\nb', data), 'ab');
  t.is(renderString('{{/* c */}}x', data), 'x');
  t.is(renderString('{{ .Values.nested.k }}', data), 'v');
});

test('if / else if / else, with truthiness as in Go templates', (t) => {
  const tpl = '{{ if .Values.off }}A{{ else if .Values.empty }}B{{ else if .Values.list }}C{{ else }}D{{ end }}';
  t.is(renderString(tpl, data), 'C');
  t.is(renderString('{{ if .Values.missing }}y{{ else }}n{{ end }}', data), 'n');
  t.is(renderString('{{ if and .Values.on (not .Values.off) }}y{{ end }}', data), 'y');
  t.is(renderString('{{ if or .Values.off .Values.empty }}y{{ else }}n{{ end }}', data), 'n');
  t.is(renderString('{{ if eq .Values.name "x" }}y{{ end }}', data), 'y');
  t.is(renderString('{{ if ne .Values.n 3 }}y{{ else }}n{{ end }}', data), 'n');
});

test('with rebinds the dot, and else runs on empty', (t) => {
  t.is(renderString('{{ with .Values.nested }}{{ .k }}{{ end }}', data), 'v');
  t.is(renderString('{{ with .Values.empty }}{{ . }}{{ else }}none{{ end }}', data), 'none');
  t.is(renderString('{{ with .Values.nested }}{{ $.Release.Name }}{{ end }}', data), 'rel');
});

test('range over lists and maps (keys sorted), with variables', (t) => {
  t.is(renderString('{{ range .Values.list }}[{{ . }}]{{ end }}', data), '[a][b]');
  t.is(renderString('{{ range $i, $v := .Values.list }}{{ $i }}={{ $v }};{{ end }}', data), '0=a;1=b;');
  t.is(renderString('{{ range $k, $v := .Values.map }}{{ $k }}={{ $v }};{{ end }}', data), 'a=1;b=2;');
  t.is(renderString('{{ range .Values.missing }}x{{ else }}empty{{ end }}', data), 'empty');
});

test('variables, define, include and template', (t) => {
  const helpers = { h: '{{- define "greet" -}}hi {{ .Release.Name }}{{- end -}}' };
  t.is(renderString('{{ include "greet" . }}', data, helpers), 'hi rel');
  t.is(renderString('{{ template "greet" . }}', data, helpers), 'hi rel');
  t.is(renderString('{{ $x := .Values.name }}{{ $x }}{{ $x = "y" }}{{ $x }}', data), 'xy');
  t.is(renderString('{{ include "greet" . | upper | quote }}', data, helpers), '"HI REL"');
});

test('toYaml, nindent and indent behave like helm\'s', (t) => {
  t.is(toYaml({ b: [{ y: 1, x: 2 }], a: 'v' }), 'a: v\nb:\n- x: 2\n  y: 1');
  t.is(renderString('k:\n  {{- toYaml .Values.map | nindent 2 }}', data), 'k:\n  a: 1\n  b: 2');
  t.is(renderString('{{ "a\\nb" | indent 3 }}', data), '   a\n   b');
  t.is(toYaml(null), 'null');
});

test('quote, default, printf, trunc, trimSuffix, replace, contains, print', (t) => {
  t.is(renderString('{{ .Values.n | quote }}', data), '"3"');
  t.is(renderString('{{ "a\\"b" | quote }}', data), '"a\\"b"');
  t.is(renderString('{{ .Values.empty | default "d" }}', data), 'd');
  t.is(renderString('{{ .Values.name | default "d" }}', data), 'x');
  t.is(renderString('{{ default "d" .Values.missing }}', data), 'd');
  t.is(renderString('{{ printf "%s-%d" .Values.name .Values.n }}', data), 'x-3');
  t.is(renderString('{{ "abcdef-" | trunc 4 }}', data), 'abcd');
  t.is(renderString('{{ "abc-" | trimSuffix "-" }}', data), 'abc');
  t.is(renderString('{{ "a+b" | replace "+" "_" }}', data), 'a_b');
  t.is(renderString('{{ if contains "el" .Release.Name }}y{{ end }}', data), 'y');
  t.is(renderString('{{ print "a" "b" }}', data), 'ab');
  t.is(renderString('{{ sha256sum "x" }}', data), '2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881');
});

test('numbers print as Go prints float64 values (1000000 is 1e+06 in helm)', (t) => {
  t.is(goFloat(8080), '8080');
  t.is(goFloat(100000), '100000');
  t.is(goFloat(1000000), '1e+06');
  t.is(goFloat(1234567), '1.234567e+06');
  t.is(goFloat(0.5), '0.5');
  t.is(goFloat(0.00001), '1e-05');
  t.is(renderString('{{ 1000000 }}', data), '1e+06');
});

test('mistakes fail loudly: missing values printed, unknown functions, nil fields, bad syntax', (t) => {
  t.throws(() => renderString('{{ .Values.missing }}', data), { message: /value is missing/ });
  t.throws(() => renderString('{{ .Values.missing.deeper }}', data), { message: /nil pointer/ });
  t.throws(() => renderString('{{ .Values.name | b64enc }}', data), { message: /not supported by this renderer/ });
  t.throws(() => renderString('{{ if .Values.on }}x', data), { message: /unclosed/ });
  t.throws(() => renderString('{{ .Values.map }}', data), { message: /cannot print a map/ });
  t.throws(() => renderString('{{ include "nope" . }}', data), { message: /no template "nope"/ });
  t.throws(() => renderString('{{ fail "stop here" }}', data), { message: /stop here/ });
  t.throws(() => renderString('{{ required "need x" .Values.missing }}', data), { message: /need x/ });
  t.throws(() => renderString('{{ end }}', data), { message: /unexpected/ });
});

test('values merge like helm: maps deep-merge, lists replace, null deletes', (t) => {
  const merged = mergeValues({ a: { b: 1, c: 2 }, l: [1, 2], d: 1 }, { a: { c: 3 }, l: [9], d: null });
  t.deepEqual(merged, { a: { b: 1, c: 3 }, l: [9] });
});

test('the renderer lists the functions it supports', (t) => {
  for (const f of ['include', 'toYaml', 'nindent', 'indent', 'quote', 'default', 'printf', 'sha256sum']) t.true(SUPPORTED_FUNCTIONS.includes(f), f);
});
