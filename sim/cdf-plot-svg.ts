// Draws latency CDFs as a standalone SVG file (no dependency): one panel per group and
// latency kind (wake-to-run, and request latency where the group serves requests), one
// line per policy, log-scaled time axis, the group's SLO deadline delay as a dashed line.
import { formatNs } from './format-duration.js';
import type { SimResult } from './sim-result.js';

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

export function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The plotting area of a CDF panel, in SVG coordinates. */
export interface PlotBox {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** A CDF panel's axes: log-scaled latency (ns) across, cumulative fraction up. */
export interface CdfAxes {
  lx(ns: number): number;
  ly(fraction: number): number;
  /** The frame, decade grid lines with their labels, and fraction grid lines. */
  svg: string[];
}

/**
 * Axes for CDFs of `values` (ns; non-positive ones are ignored) in `box`: the time axis
 * spans whole decades around them. Tick labels use `fontSize`, the time labels sit
 * `labelGap` below the box.
 */
export function cdfAxes(box: PlotBox, values: readonly number[], fontSize: number, labelGap: number): CdfAxes {
  const positive = values.filter((v) => v > 0);
  let lo = positive.length > 0 ? 10 ** Math.floor(Math.log10(Math.min(...positive))) : 1_000;
  let hi = positive.length > 0 ? 10 ** Math.ceil(Math.log10(Math.max(...positive))) : 1_000_000;
  if (hi <= lo) hi = lo * 10;
  lo = Math.max(1, lo);
  const lx = (v: number): number => box.x + ((Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * box.w;
  const ly = (f: number): number => box.y + (1 - f) * box.h;
  const svg = [`<rect x="${box.x}" y="${box.y}" width="${box.w}" height="${box.h}" fill="none" stroke="#999"/>`];
  for (let d = lo; d <= hi * 1.0001; d *= 10) {
    const x = lx(d).toFixed(1);
    svg.push(`<line x1="${x}" y1="${box.y}" x2="${x}" y2="${box.y + box.h}" stroke="#e5e5e5"/>`);
    svg.push(`<text x="${x}" y="${box.y + box.h + labelGap}" text-anchor="middle" font-size="${fontSize}">${formatNs(d)}</text>`);
  }
  for (const f of [0, 0.25, 0.5, 0.75, 0.9, 1]) {
    const y = ly(f).toFixed(1);
    svg.push(`<line x1="${box.x}" y1="${y}" x2="${box.x + box.w}" y2="${y}" stroke="#eee"/>`);
    svg.push(`<text x="${box.x - 6}" y="${y}" text-anchor="end" dominant-baseline="middle" font-size="${fontSize}">${f}</text>`);
  }
  return { lx, ly, svg };
}

/** A dashed vertical line at `ns` labelled "`label` <ns>" above the box. */
export function cdfMarker(axes: CdfAxes, box: PlotBox, ns: number, label: string): string[] {
  const x = axes.lx(ns).toFixed(1);
  return [
    `<line x1="${x}" y1="${box.y}" x2="${x}" y2="${box.y + box.h}" stroke="#555" stroke-dasharray="4 3"/>`,
    `<text x="${x}" y="${box.y - 4}" text-anchor="middle" font-size="10" fill="#555">${esc(label)} ${esc(formatNs(ns))}</text>`,
  ];
}

/** A CDF as a step path (it holds its value until the next sample); empty for no points. */
export function cdfStepPath(axes: CdfAxes, points: ReadonlyArray<readonly [number, number]>, color: string): string[] {
  if (points.length === 0) return [];
  const { lx, ly } = axes;
  let d = `M${lx(points[0]![0]).toFixed(1)},${ly(0).toFixed(1)}`;
  let prevY = ly(0);
  for (const [v, f] of points) {
    const x = lx(v).toFixed(1);
    d += ` L${x},${prevY.toFixed(1)} L${x},${ly(f).toFixed(1)}`;
    prevY = ly(f);
  }
  return [`<path d="${d}" fill="none" stroke="${color}" stroke-width="1.6"/>`];
}

function panelSvg(panel: Panel, x0: number, y0: number): string {
  const box: PlotBox = { x: x0 + MARGIN.left, y: y0 + MARGIN.top, w: PANEL_W - MARGIN.left - MARGIN.right, h: PANEL_H - MARGIN.top - MARGIN.bottom };
  const values = panel.series.flatMap((s) => s.points.map((p) => p[0]));
  if (panel.markerNs !== null) values.push(panel.markerNs);
  const axes = cdfAxes(box, values, 11, 16);
  const parts: string[] = [];
  parts.push(`<text x="${x0 + PANEL_W / 2}" y="${y0 + 20}" text-anchor="middle" font-size="13" font-weight="bold">${esc(panel.title)}</text>`);
  parts.push(...axes.svg);
  parts.push(`<text x="${box.x + box.w / 2}" y="${y0 + PANEL_H - 8}" text-anchor="middle" font-size="11">latency (log scale)</text>`);
  if (panel.markerNs !== null && panel.markerNs > 0) parts.push(...cdfMarker(axes, box, panel.markerNs, panel.markerLabel));
  panel.series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length]!;
    parts.push(...cdfStepPath(axes, s.points, color));
    // Legend in the top-left corner, which a CDF leaves empty.
    const ly0 = y0 + MARGIN.top + 14 + 14 * i;
    parts.push(`<line x1="${x0 + MARGIN.left + 8}" y1="${ly0}" x2="${x0 + MARGIN.left + 28}" y2="${ly0}" stroke="${color}" stroke-width="2"/>`);
    parts.push(`<text x="${x0 + MARGIN.left + 32}" y="${ly0}" dominant-baseline="middle" ` +
      `font-size="11">${esc(s.policy)}${s.points.length === 0 ? ' (no data)' : ''}</text>`);
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
