// The test parser reads sample values as Prometheus does, so /metrics tests do not
// depend on whether prom-client happened to have an event-loop sample yet.
import test from 'ava';
import { parsePrometheusText } from './prometheus-text.js';

const exposition = (value: string): string => `# HELP g A gauge.\n# TYPE g gauge\ng ${value}\n`;
const sampleValue = (value: string): number | undefined => parsePrometheusText(exposition(value)).get('g')?.samples[0]?.value;

test('NaN and Inf are read in any letter case, as Prometheus reads them', (t) => {
  // prom-client writes "Nan" for nodejs_eventloop_lag_mean_seconds before its first sample.
  for (const nan of ['NaN', 'Nan', 'nan']) t.true(Number.isNaN(sampleValue(nan)), nan);
  t.is(sampleValue('+Inf'), Infinity);
  t.is(sampleValue('inf'), Infinity);
  t.is(sampleValue('-Inf'), -Infinity);
  t.is(sampleValue('1.5e-3'), 0.0015);
  t.is(sampleValue('-0'), -0);
});

test('a value that is not a number names the line and the value', (t) => {
  t.throws(() => parsePrometheusText(exposition('banana')), { message: 'line 3: bad value banana' });
  t.throws(() => parsePrometheusText(exposition('0x')), { message: 'line 3: bad value 0x' });
});

test('a real prom-client registry with default metrics parses', async (t) => {
  const { collectDefaultMetrics, Registry } = await import('prom-client');
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const families = parsePrometheusText(await registry.metrics());
  t.true(families.has('nodejs_eventloop_lag_mean_seconds'));
  t.true(families.has('process_cpu_seconds_total'));
});
