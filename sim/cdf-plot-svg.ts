// Draws latency CDFs as a standalone SVG file (no dependency): one panel per group and
// latency kind (wake-to-run, and request latency where the group serves requests), one
// line per policy, log-scaled time axis, the group's SLO deadline delay as a dashed line.
import { formatNs } from './format-duration.js';
import type { SimResult } from './engine.js';

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];
const PANEL_W = 480;
const PANEL_H = 300;
const MARGIN = { left: 56, right: 16, top: 34, bottom: 42 };

interface Series {
  policy: string;
  points: Array<[number, number]>;
}

interface Panel {
  title: string;
  series: Series[];
  markerNs: number | null;
  markerLabel: string;
}

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function panelSvg(panel: Panel, x0: number, y0: number): string {
  const w = PANEL_W - MARGIN.left - MARGIN.right;
  const h = PANEL_H - MARGIN.top - MARGIN.bottom;
  const all = panel.series.flatMap((s) => s.points.map((p) => p[0]));
  if (panel.markerNs !== null) all.push(panel.markerNs);
  const positive = all.filter((v) => v > 0);
  let lo = positive.length > 0 ? 10 ** Math.floor(Math.log10(Math.min(...positive))) : 1_000;
  let hi = positive.length > 0 ? 10 ** Math.ceil(Math.log10(Math.max(...positive))) : 1_000_000;
  if (hi <= lo) hi = lo * 10;
  lo = Math.max(1, lo);
  const lx = (v: number): number => x0 + MARGIN.left + ((Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * w;
  const ly = (f: number): number => y0 + MARGIN.top + (1 - f) * h;
  const parts: string[] = [];
  parts.push(`<text x="${x0 + PANEL_W / 2}" y="${y0 + 20}" text-anchor="middle" font-size="13" font-weight="bold">${esc(panel.title)}</text>`);
  parts.push(`<rect x="${x0 + MARGIN.left}" y="${y0 + MARGIN.top}" width="${w}" height="${h}" fill="none" stroke="#999"/>`);
  for (let d = lo; d <= hi * 1.0001; d *= 10) {
    const x = lx(d).toFixed(1);
    parts.push(`<line x1="${x}" y1="${y0 + MARGIN.top}" x2="${x}" y2="${y0 + MARGIN.top + h}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${x}" y="${y0 + MARGIN.top + h + 16}" text-anchor="middle" font-size="11">${formatNs(d)}</text>`);
  }
  for (const f of [0, 0.25, 0.5, 0.75, 0.9, 1]) {
    const y = ly(f).toFixed(1);
    parts.push(`<line x1="${x0 + MARGIN.left}" y1="${y}" x2="${x0 + MARGIN.left + w}" y2="${y}" stroke="#eee"/>`);
    parts.push(`<text x="${x0 + MARGIN.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle" font-size="11">${f}</text>`);
  }
  parts.push(`<text x="${x0 + MARGIN.left + w / 2}" y="${y0 + PANEL_H - 8}" text-anchor="middle" font-size="11">latency (log scale)</text>`);
  if (panel.markerNs !== null && panel.markerNs > 0) {
    const x = lx(panel.markerNs).toFixed(1);
    parts.push(`<line x1="${x}" y1="${y0 + MARGIN.top}" x2="${x}" y2="${y0 + MARGIN.top + h}" stroke="#555" stroke-dasharray="4 3"/>`);
    parts.push(`<text x="${x}" y="${y0 + MARGIN.top - 4}" text-anchor="middle" font-size="10" fill="#555">${esc(panel.markerLabel)} ${esc(formatNs(panel.markerNs))}</text>`);
  }
  panel.series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length]!;
    if (s.points.length > 0) {
      // A step function: the CDF holds its value until the next sample value.
      let d = `M${lx(s.points[0]![0]).toFixed(1)},${ly(0).toFixed(1)}`;
      let prevY = ly(0);
      for (const [v, f] of s.points) {
        const x = lx(v).toFixed(1);
        d += ` L${x},${prevY.toFixed(1)} L${x},${ly(f).toFixed(1)}`;
        prevY = ly(f);
      }
      parts.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="1.6"/>`);
    }
    // Legend in the top-left corner, which a CDF leaves empty.
    const ly0 = y0 + MARGIN.top + 14 + 14 * i;
    parts.push(`<line x1="${x0 + MARGIN.left + 8}" y1="${ly0}" x2="${x0 + MARGIN.left + 28}" y2="${ly0}" stroke="${color}" stroke-width="2"/>`);
    parts.push(`<text x="${x0 + MARGIN.left + 32}" y="${ly0}" dominant-baseline="middle" font-size="11">${esc(s.policy)}${s.points.length === 0 ? ' (no data)' : ''}</text>`);
  });
  return parts.join('\n');
}

/** The SVG document for these replays of one workload. */
export function cdfPlotSvg(title: string, results: readonly SimResult[]): string {
  const panels: Panel[] = [];
  const first = results[0];
  if (first !== undefined) {
    first.groups.forEach((g, gi) => {
      panels.push({
        title: `${g.group.name}: wake-to-run latency CDF`,
        series: results.map((r) => ({ policy: r.policy, points: r.groups[gi]!.wakeLatency.cdf() })),
        markerNs: g.delayNs,
        markerLabel: 'deadline',
      });
      if (g.requestLatency !== null) {
        panels.push({
          title: `${g.group.name}: request latency CDF`,
          series: results.map((r) => ({ policy: r.policy, points: r.groups[gi]!.requestLatency?.cdf() ?? [] })),
          markerNs: g.group.slo?.budgetNs ?? null,
          markerLabel: 'budget',
        });
      }
    });
  }
  const cols = Math.min(2, Math.max(1, panels.length));
  const rows = Math.max(1, Math.ceil(panels.length / cols));
  const width = cols * PANEL_W;
  const height = rows * PANEL_H + 30;
  const body = panels.map((p, i) => panelSvg(p, (i % cols) * PANEL_W, 30 + Math.floor(i / cols) * PANEL_H));
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="15" font-weight="bold">${esc(title)}</text>`,
    ...body,
    `</svg>`,
    '',
  ].join('\n');
}
