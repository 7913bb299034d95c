/** Small pieces of HTML for the report (pure strings; everything from data is escaped). */

export function esc(s: string | number): string {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

export interface Cell {
  text: string;
  /** CSS class: `bad`, `warn`, `ok`, `num`. */
  cls?: string;
  title?: string;
}

const cellOf = (c: string | Cell): Cell => (typeof c === 'string' ? { text: c } : c);

/** A table; numeric columns (`numeric[i]`) are right-aligned. */
export function table(head: string[], rows: (string | Cell)[][], opts: { numeric?: boolean[]; cls?: string; id?: string } = {}): string {
  const th = head.map((h, i) => `<th${opts.numeric?.[i] ? ' class="num"' : ''}>${esc(h)}</th>`).join('');
  const body = rows
    .map((r) => {
      const tds = r
        .map((raw, i) => {
          const c = cellOf(raw);
          const cls = [opts.numeric?.[i] ? 'num' : '', c.cls ?? ''].filter(Boolean).join(' ');
          return `<td${cls ? ` class="${cls}"` : ''}${c.title ? ` title="${esc(c.title)}"` : ''}>${esc(c.text)}</td>`;
        })
        .join('');
      return `<tr>${tds}</tr>`;
    })
    .join('\n');
  // In a scrolling box: a wide table scrolls on its own at 800 px instead of widening the page.
  return `<div class="table-box"><table${opts.id ? ` id="${esc(opts.id)}"` : ''}${opts.cls ? ` class="${opts.cls}"` : ''}><thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody></table></div>`;
}

/** An SVG chart in a figure, with a name for tests and links. */
export function figure(name: string, svg: string, points?: number): string {
  return `<figure class="chart" data-chart="${esc(name)}"${points !== undefined ? ` data-points="${points}"` : ''}>${svg}</figure>`;
}

export function list(items: string[], cls?: string): string {
  return `<ul${cls ? ` class="${cls}"` : ''}>${items.map((i) => `<li>${esc(i)}</li>`).join('')}</ul>`;
}

/** A slug usable as an HTML id. */
export const slug = (s: string): string => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');

export const STYLE = `
:root { color-scheme: light; }
body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; margin: 0 auto; max-width: 1000px; padding: 16px 24px 48px; color: #1d1d1f; background: #fff; font-size: 14px; }
h1 { font-size: 24px; margin: 8px 0 4px; } h2 { font-size: 19px; margin: 32px 0 8px; border-bottom: 1px solid #ddd; padding-bottom: 4px; } h3 { font-size: 15px; margin: 20px 0 6px; }
.meta { color: #555; margin: 0 0 12px; line-height: 1.5; }
table { border-collapse: collapse; margin: 8px 0 12px; font-size: 13px; }
th, td { border: 1px solid #d6d6d6; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f3f4f6; font-weight: 600; }
td:first-child { white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.bad { background: #fde2e1; color: #8e0000; font-weight: 600; }
td.warn { background: #fff3d6; color: #7a4a00; }
td.ok { color: #1b6e35; }
p.witness.ok { color: #1b6e35; }
p.witness.warn { color: #7a4a00; }
p.witness.bad { color: #8e0000; font-weight: 600; }
.verdict { border: 2px solid #999; border-radius: 6px; padding: 10px 16px; margin: 16px 0; }
.verdict.PASS { border-color: #2e7d32; background: #f0f8f1; } .verdict.FAIL { border-color: #c62828; background: #fdf0ef; } .verdict.NONE { border-color: #888; background: #f7f7f7; }
.verdict .status { font-size: 22px; font-weight: 700; } .verdict.PASS .status { color: #2e7d32; } .verdict.FAIL .status { color: #c62828; }
.warnings { border-left: 4px solid #ef8f00; background: #fff8e6; padding: 6px 12px 6px 28px; margin: 8px 0; }
.flags { border-left: 4px solid #c62828; background: #fdf0ef; padding: 6px 12px 6px 28px; margin: 8px 0; }
.flags li.warn { color: #7a4a00; }
.good { color: #1b6e35; }
figure.chart { margin: 8px 0 16px; border: 1px solid #e3e3e3; border-radius: 4px; }
figure.chart svg { display: block; width: 100%; height: auto; }
.table-box { max-width: 100%; overflow-x: auto; }
.headline { font-size: 16px; font-weight: 600; margin: 6px 0 4px; }
details.more { margin: 8px 0 16px; } details.more > summary { cursor: pointer; color: #2f6db5; font-weight: 600; padding: 4px 0; }
@media (max-width: 900px) { body { padding: 12px 10px 40px; } table { font-size: 12px; } th, td { padding: 2px 5px; } }
footer { margin-top: 40px; color: #777; font-size: 12px; }
code { background: #f3f4f6; padding: 0 3px; border-radius: 3px; }
`;
