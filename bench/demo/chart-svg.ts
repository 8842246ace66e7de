// The head-to-head's chart of one scenario, a standalone SVG (no dependency): left, per
// scheduler, the latency-sensitive workload's p99 and the batch's throughput as ratios to the default scheduler (log scale,
// whiskers = min..max over the repetitions, dashed lines at the targets); right, the
// probe's latency CDF per scheduler (all repetitions pooled, log scale), with the ls
// SLO's deadline delay.
import { cdfAxes, cdfMarker, cdfStepPath, esc, type PlotBox } from '../../sim/cdf-plot-svg.js';
import { mergeHistograms, cdfPoints } from './stats.js';
import { TARGETS, type Summary } from './summarize.js';

const COLORS = ['#555555', '#1f77b4', '#2ca02c', '#d62728', '#9467bd', '#ff7f0e', '#8c564b'];
const W = 560;
const H = 380;
const M = { left: 60, right: 16, top: 40, bottom: 92 };


function fmtRatio(v: number): string {
  return v >= 10 ? v.toFixed(0) : v >= 1 ? v.toFixed(1) : v >= 0.1 ? v.toFixed(2) : v.toPrecision(1);
}

function barsPanel(s: Summary, x0: number, y0: number): string {
  const w = W - M.left - M.right;
  const h = H - M.top - M.bottom;
  const series = [
    { key: 'ls_p99_ns' as const, name: s.scenario === 'service' ? 'service p99 latency' : 'probe p99 latency', color: '#d62728', target: TARGETS.p99RatioMax,
      targetLabel: 'p99 target 1/3' },
    { key: 'batch_ops' as const, name: 'batch bogo ops', color: '#1f77b4', target: TARGETS.batchRatioMin, targetLabel: 'batch target 0.9' },
  ];
  const values: number[] = [1];
  for (const sched of s.order) {
    const x = s.schedulers[sched]!;
    for (const ser of series) {
      const v = x.ratio_to_default[ser.key];
      if (v !== null && v > 0) values.push(v);
      const r = x.spread.ratio_to_default[ser.key];
      if (r && r.min > 0) values.push(r.min, r.max);
    }
  }
  const lo = 10 ** Math.floor(Math.log10(Math.min(...values, TARGETS.p99RatioMax)));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(...values) * 1.05));
  const ly = (v: number): number => y0 + M.top + (1 - (Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * h;
  const p: string[] = [];
  p.push(`<text x="${x0 + W / 2}" y="${y0 + 22}" text-anchor="middle" font-size="13" font-weight="bold">ratio to the kernel default (lower latency, higher ` +
    `throughput is better)</text>`);
  p.push(`<rect x="${x0 + M.left}" y="${y0 + M.top}" width="${w}" height="${h}" fill="none" stroke="#999"/>`);
  for (let d = lo; d <= hi * 1.0001; d *= 10) {
    for (const k of [1, 2, 5]) {
      const v = d * k;
      if (v > hi * 1.0001) break;
      const y = ly(v).toFixed(1);
      p.push(`<line x1="${x0 + M.left}" y1="${y}" x2="${x0 + M.left + w}" y2="${y}" stroke="${k === 1 ? '#ddd' : '#f1f1f1'}"/>`);
      p.push(`<text x="${x0 + M.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle" font-size="10">${fmtRatio(v)}</text>`);
    }
  }
  p.push(`<line x1="${x0 + M.left}" y1="${ly(1).toFixed(1)}" x2="${x0 + M.left + w}" y2="${ly(1).toFixed(1)}" stroke="#333"/>`);
  for (const ser of series) {
    const y = ly(ser.target).toFixed(1);
    p.push(`<line x1="${x0 + M.left}" y1="${y}" x2="${x0 + M.left + w}" y2="${y}" stroke="${ser.color}" stroke-dasharray="5 4" stroke-opacity="0.7"/>`);
    const below = ser.target < 1;
    p.push(`<text x="${x0 + M.left + 4}" y="${Number(y) + (below ? 11 : -3)}" text-anchor="start" font-size="10" ` +
      `fill="${ser.color}">${ser.targetLabel}</text>`);
  }
  const groupW = w / Math.max(1, s.order.length);
  const barW = Math.min(34, (groupW - 16) / series.length);
  s.order.forEach((sched, gi) => {
    const x = s.schedulers[sched]!;
    const gx = x0 + M.left + gi * groupW + (groupW - barW * series.length) / 2;
    series.forEach((ser, si) => {
      const v = x.ratio_to_default[ser.key];
      const bx = gx + si * barW;
      if (v === null || v <= 0) {
        p.push(`<text x="${(bx + barW / 2).toFixed(1)}" y="${ly(1) - 4}" text-anchor="middle" font-size="10">n/a</text>`);
        return;
      }
      const top = Math.min(ly(v), ly(1));
      const bottom = Math.max(ly(v), ly(1));
      p.push(`<rect x="${(bx + 2).toFixed(1)}" y="${top.toFixed(1)}" width="${(barW - 4).toFixed(1)}" height="${Math.max(1, bottom - top).toFixed(1)}" ` +
        `fill="${ser.color}" fill-opacity="0.8"/>`);
      const r = x.spread.ratio_to_default[ser.key];
      if (r && sched !== 'default') {
        // The whisker sits near the bar's right edge, clear of the value label in the middle.
        const cx = (bx + barW - 7).toFixed(1);
        p.push(`<line x1="${cx}" y1="${ly(r.min).toFixed(1)}" x2="${cx}" y2="${ly(r.max).toFixed(1)}" stroke="#000" stroke-width="1.2"/>`);
        for (const e of [r.min, r.max]) p.push(`<line x1="${Number(cx) - 3}" y1="${ly(e).toFixed(1)}" x2="${Number(cx) + 3}" ` +
          `y2="${ly(e).toFixed(1)}" stroke="#000"/>`);
      }
      const labelY = v >= 1 ? ly(v) - 4 : ly(v) + 11;
      p.push(`<text x="${(bx + barW / 2 - 4).toFixed(1)}" y="${labelY.toFixed(1)}" text-anchor="middle" font-size="9">${fmtRatio(v)}</text>`);
    });
    const words = x.label.replace(/\s*\(.*\)$/, '');
    const sub = /\((.*)\)$/.exec(x.label)?.[1] ?? '';
    const cx = x0 + M.left + gi * groupW + groupW / 2;
    p.push(`<text x="${cx.toFixed(1)}" y="${y0 + M.top + h + 16}" text-anchor="middle" font-size="11">${esc(words)}</text>`);
    if (sub) p.push(`<text x="${cx.toFixed(1)}" y="${y0 + M.top + h + 30}" text-anchor="middle" font-size="9" fill="#555">${esc(sub)}</text>`);
    p.push(`<text x="${cx.toFixed(1)}" y="${y0 + M.top + h + 43}" text-anchor="middle" font-size="9" fill="#555">n=${x.repetitions}</text>`);
  });
  series.forEach((ser, i) => {
    const lx = x0 + M.left + 10 + i * 170;
    const y = y0 + H - 18;
    p.push(`<rect x="${lx}" y="${y - 8}" width="14" height="10" fill="${ser.color}" fill-opacity="0.8"/>`);
    p.push(`<text x="${lx + 18}" y="${y}" font-size="11">${esc(ser.name)}</text>`);
  });
  p.push(`<text x="${x0 + M.left + 350}" y="${y0 + H - 18}" font-size="10" fill="#555">whiskers: min..max over rounds</text>`);
  return p.join('\n');
}

function cdfPanel(s: Summary, x0: number, y0: number): string {
  const box: PlotBox = { x: x0 + M.left, y: y0 + M.top, w: W - M.left - M.right, h: H - M.top - M.bottom };
  const series = s.order.map((sched, i) => {
    const hs = s.cells.filter((c) => c.scheduler === sched && c.histogram).map((c) => c.histogram!);
    return { name: s.schedulers[sched]!.label, color: COLORS[i % COLORS.length]!, points: hs.length > 0 ? cdfPoints(mergeHistograms(hs)) : [] };
  });
  const axes = cdfAxes(box, [...series.flatMap((x) => x.points.map((pt) => pt[0])), s.scenario === 'service' ? s.budgetNs : s.deadlineDelayNs], 10, 14);
  const p: string[] = [];
  p.push(`<text x="${x0 + W / 2}" y="${y0 + 22}" text-anchor="middle" font-size="13" ` +
    `font-weight="bold">${s.scenario === 'service' ? 'service request latency' : 'probe wake-up latency'} CDF (all rounds)</text>`);
  p.push(...axes.svg);
  p.push(...(s.scenario === 'service' ? cdfMarker(axes, box, s.budgetNs, 'budget') : cdfMarker(axes, box, s.deadlineDelayNs, 'ls deadline')));
  p.push(`<text x="${box.x + box.w / 2}" y="${box.y + box.h + 30}" text-anchor="middle" font-size="10">latency (log scale, emulated time)</text>`);
  series.forEach((ser, i) => {
    p.push(...cdfStepPath(axes, ser.points, ser.color));
    const y = box.y + box.h + 46 + 12 * Math.floor(i / 2);
    const lx0 = box.x + (i % 2) * 240;
    p.push(`<line x1="${lx0}" y1="${y - 3}" x2="${lx0 + 18}" y2="${y - 3}" stroke="${ser.color}" stroke-width="2"/>`);
    p.push(`<text x="${lx0 + 22}" y="${y}" font-size="10">${esc(ser.name)}</text>`);
  });
  return p.join('\n');
}

export function chartSvg(s: Summary, title: string): string {
  const width = 2 * W;
  const height = H + 34;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">`,
    '<rect width="100%" height="100%" fill="white"/>',
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${esc(title)}</text>`,
    barsPanel(s, 0, 30),
    cdfPanel(s, W, 30),
    '</svg>',
    '',
  ].join('\n');
}
