/**
 * A real headless Chromium (Debian's chromium package, never a downloaded browser) driven by
 * playwright-core, for the report tests. scripts/testbed/chromium.sh installs it as root when missing;
 * otherwise the test fails with the apt command to run.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { repoRoot } from './cli.js';

export const CHROMIUM = '/usr/bin/chromium';

export function ensureChromium(): string {
  try {
    return execFileSync('bash', [join(repoRoot, 'scripts', 'testbed', 'chromium.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 600_000 }).trim();
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? '';
    throw new Error(`the report tests need Debian's chromium at ${CHROMIUM}: ${stderr.trim() || (err as Error).message}\nrun as root: apt-get update && apt-get install -y chromium`);
  }
}

export interface Browser {
  page(): Promise<Page>;
  close(): Promise<void>;
}

/** A fresh profile each time: nothing from an earlier run, no network features, no first-run pages. */
export async function launchChromium(): Promise<Browser> {
  const executablePath = ensureChromium();
  const profile = mkdtempSync(join(tmpdir(), 'etcdlab-chromium-'));
  const ctx: BrowserContext = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    viewport: { width: 1100, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    timeout: 60_000,
  });
  return {
    page: () => ctx.newPage(),
    async close() {
      await ctx.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Pixels of a PNG that are not background (near white), counted by the browser itself: the image is
 * drawn on a canvas in a blank page and read back.
 */
export async function inkPixels(page: Page, png: Buffer): Promise<{ width: number; height: number; ink: number }> {
  return page.evaluate(async (b64: string) => {
    const img = new Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = img.naturalWidth;
    canvas.height = img.naturalHeight;
    const g = canvas.getContext('2d');
    if (!g) throw new Error('no 2d context');
    g.drawImage(img, 0, 0);
    const data = g.getImageData(0, 0, canvas.width, canvas.height).data;
    let ink = 0;
    for (let i = 0; i < data.length; i += 4) if ((data[i] as number) < 235 || (data[i + 1] as number) < 235 || (data[i + 2] as number) < 235) ink++;
    return { width: canvas.width, height: canvas.height, ink };
  }, png.toString('base64'));
}
