/**
 * Layout checks of a report page in a real browser: text boxes inside each chart that overlap, text that
 * leaves its chart, charts with no drawn data, and anything wider than the window. Measured from the
 * browser's own layout (getBoundingClientRect), after unfolding every <details>.
 */
import type { Page } from 'playwright-core';

export interface LayoutReport {
  problems: string[];
  charts: number;
  height: number;
}

export async function checkLayout(page: Page): Promise<LayoutReport> {
  await page.evaluate(() => document.querySelectorAll('details').forEach((d) => (d.open = true)));
  return page.evaluate(() => {
    const problems: string[] = [];
    const figures = [...document.querySelectorAll<HTMLElement>('figure.chart')];
    for (const fig of figures) {
      const name = fig.dataset.chart ?? '?';
      const texts = [...fig.querySelectorAll('svg text')].filter((t) => (t.textContent ?? '').trim() !== '').map((t) => ({ text: (t.textContent ?? '').trim(), box: t.getBoundingClientRect() }));
      for (let i = 0; i < texts.length; i++)
        for (let j = i + 1; j < texts.length; j++) {
          const a = (texts[i] as (typeof texts)[number]).box;
          const b = (texts[j] as (typeof texts)[number]).box;
          const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
          const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
          if (w > 1 && h > 1) problems.push(`${name}: "${texts[i]?.text}" overlaps "${texts[j]?.text}"`);
        }
      const frame = fig.getBoundingClientRect();
      for (const t of texts) if (t.box.right > frame.right + 1 || t.box.left < frame.left - 1 || t.box.bottom > frame.bottom + 1) problems.push(`${name}: "${t.text}" is outside its chart`);
      // Data: the points the report says its series hold (data-points, counted from the chart's option).
      const points = Number(fig.dataset.points ?? '0');
      if (!(points > 0)) problems.push(`${name}: no data (${fig.dataset.points ?? 'no'} points)`);
      if (frame.height < 150) problems.push(`${name}: ${Math.round(frame.height)} px high`);
    }
    const width = document.documentElement.clientWidth;
    if (document.documentElement.scrollWidth > width) problems.push(`the page is ${document.documentElement.scrollWidth} px wide in a ${width} px window`);
    for (const el of document.querySelectorAll<HTMLElement>('body > *, section > *')) {
      const r = el.getBoundingClientRect();
      if (r.right > width + 1) problems.push(`<${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}> reaches ${Math.round(r.right)} px in a ${width} px window`);
    }
    return { problems, charts: figures.length, height: document.documentElement.scrollHeight };
  });
}
