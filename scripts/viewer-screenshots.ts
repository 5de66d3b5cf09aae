/**
 * Regenerates docs/images/viewer.png (the viewer on the main-job run) and docs/images/live-view.png
 * (the terminal view of `npm run demo`, captured from tmux with its colours and drawn by Chromium).
 * Run: node scripts/viewer-screenshots.ts   (needs chromium and tmux, see scripts/ci/50-chromium.sh)
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import AnsiToHtml from 'ansi-to-html';
import { launchChromium } from '../tests/viewer/browser.ts';

const repo = new URL('../', import.meta.url).pathname;
const dir = await mkdtemp(join(tmpdir(), 'rlmtree-shots-'));
const cli = ['packages/cli/bin/rlmtree.js', 'run', 'Which speaker has the most speeches in this text, and how many?', '--context', 'examples/data/tinyshakespeare.txt', '--model', 'scripted:examples/speakers/policy.mjs'];
const browser = await launchChromium();
try {
  // The viewer: record the demo as a trace, write the page, select a child mid-way through the run.
  const trace = join(dir, 'demo.jsonl');
  execFileSync(process.execPath, [...cli, '--trace', trace, '--no-live'], { cwd: repo, stdio: 'ignore' });
  execFileSync(process.execPath, ['packages/cli/bin/rlmtree.js', 'view', trace, '-o', join(dir, 'demo.html')], { cwd: repo, stdio: 'ignore' });
  const page = await browser.context.newPage();
  await page.setViewportSize({ width: 1400, height: 820 });
  await page.goto(pathToFileURL(join(dir, 'demo.html')).href);
  await page.waitForSelector('body[data-ready]');
  await page.click('[data-testid=tree-row][data-agent-id="root.part_1"]');
  await page.locator('[data-testid=step-slider]').fill('6');
  await page.waitForSelector('[data-testid=cell-output]');
  await page.screenshot({ path: join(repo, 'docs/images/viewer.png') });

  // The terminal view: the demo in a 110x30 tmux pane, captured with its escape codes.
  const socket = `rlmtree-shots-${process.pid}`;
  const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
  tmux('new-session', '-d', '-s', 'demo', '-x', '110', '-y', '24', `cd '${repo}' && '${process.execPath}' ${cli.map((a) => `'${a}'`).join(' ')}; sleep 60`);
  let screen = '';
  for (let i = 0; i < 300 && !/has the most speeches: \d+\s*$/m.test(screen.replace(/\x1b\[[0-9;]*m/g, '')); i++) {
    await sleep(100);
    screen = tmux('capture-pane', '-p', '-e', '-t', 'demo');
  }
  tmux('kill-server');
  const body = new AnsiToHtml({ fg: '#d0d0d0', bg: '#1e1e1e', escapeXML: true }).toHtml(screen.trimEnd());
  await writeFile(join(dir, 'term.html'), `<!doctype html><meta charset="utf-8"><body style="margin:0;background:#1e1e1e"><pre style="margin:0;padding:12px 16px;color:#d0d0d0;font:14px/1.35 'DejaVu Sans Mono',monospace">${body}</pre>`);
  await page.setViewportSize({ width: 1000, height: 420 });
  await page.goto(pathToFileURL(join(dir, 'term.html')).href);
  await page.screenshot({ path: join(repo, 'docs/images/live-view.png'), fullPage: true });
} finally {
  await browser.close();
  await rm(dir, { recursive: true, force: true });
}
console.log('wrote docs/images/viewer.png and docs/images/live-view.png');
