/**
 * `rlmtree serve` under large requests (issue 14, item 7). Run: `node bench/serve-memory.bench.ts`.
 *
 * Starts a real `rlmtree serve` (scripted model, subprocess runtime) and reads its resident set
 * size (VmRSS from /proc/<pid>/status) at: the baseline after one small request; the peak while
 * four 50 MB requests run at once; and 2 s and 10 s after they end. Then the same four bodies
 * against the default 16 MiB limit (each refused with a 413 before it is read), and four over
 * `--max-concurrent-runs 2` (two refused with a 429). The figures are ratios to the baseline,
 * measured in the same run; the load average is printed beside them (the machine may be shared).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { loadavg } from 'node:os';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
const BODY_MB = 50;

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Math.round(Number(m![1]) / 1024);
}

async function startServe(args: string[]) {
  const child = spawn(process.execPath, [join(ROOT, 'packages/cli/bin/rlmtree.js'), 'serve', '--port', '0', '--no-log', '--model', `scripted:${join(ROOT, 'tests/fixtures/serve-policy.mjs')}`, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(err);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
  });
  child.once('exit', (code, signal) => code !== 0 && signal !== 'SIGTERM' && console.error(`serve exited (${code ?? signal}): ${err}`));
  return { url, pid: child.pid!, stop: () => new Promise((r) => (child.once('exit', r), child.kill('SIGTERM'))) };
}

const body = (context: string) => JSON.stringify({ model: 'rlmtree', messages: [{ role: 'system', content: context }, { role: 'user', content: 'Say hello' }] });
/** One POST on its own connection (no keep-alive reuse: a socket idle past the server's keep-alive timeout would race the next request). */
function post(url: string, data: string): Promise<{ status: number | string; text: string }> {
  return new Promise((resolve) => {
    let status: number | undefined;
    const req = request(`${url}/chat/completions`, { method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } }, (res) => {
      status = res.statusCode!;
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: status!, text }));
    });
    // A 413 is answered before the body is read and the socket closed: the rest of the upload
    // fails (EPIPE) after the status arrived. An error before any status is reported as such.
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ status: status ?? err.code ?? 'error', text: '' }));
    req.end(data);
  });
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Four concurrent posts of `data` while sampling the server's RSS every 50 ms; returns statuses and the peak. */
async function burst(s: { url: string; pid: number }, data: string) {
  let peak = rssMb(s.pid);
  const sampler = setInterval(() => (peak = Math.max(peak, rssMb(s.pid))), 50);
  const results = await Promise.all([0, 1, 2, 3].map(() => post(s.url, data)));
  clearInterval(sampler);
  return { statuses: results.map((r) => r.status), peak };
}

const big = body('x'.repeat(BODY_MB * 1024 * 1024));
const rows: string[][] = [];
const row = (label: string, statuses: string, mb: number, base: number) => rows.push([label, statuses, String(mb), (mb / base).toFixed(2)]);

{
  const s = await startServe(['--max-body-size', String(64 * 1024 * 1024), '--max-concurrent-runs', '4']);
  await post(s.url, body('small'));
  await sleep(500);
  const base = rssMb(s.pid);
  row('baseline (after one small request)', '200', base, base);
  const b = await burst(s, big);
  row(`peak, 4 x ${BODY_MB} MB at once (limit 64 MiB)`, b.statuses.join(' '), b.peak, base);
  await sleep(2000);
  row('2 s after', '', rssMb(s.pid), base);
  await sleep(8000);
  row('10 s after', '', rssMb(s.pid), base);
  const again = await burst(s, big);
  await sleep(2000);
  row(`2 s after a second burst`, again.statuses.join(' '), rssMb(s.pid), base);
  await s.stop();
}
{
  const s = await startServe([]);
  await post(s.url, body('small'));
  await sleep(500);
  const base = rssMb(s.pid);
  row('baseline, default limits', '200', base, base);
  const b = await burst(s, big);
  row(`peak, 4 x ${BODY_MB} MB at once (default 16 MiB limit)`, b.statuses.join(' '), b.peak, base);
  await sleep(2000);
  row('2 s after', '', rssMb(s.pid), base);
  await s.stop();
}
{
  const s = await startServe(['--max-body-size', String(64 * 1024 * 1024), '--max-concurrent-runs', '2']);
  await post(s.url, body('small'));
  await sleep(500);
  const base = rssMb(s.pid);
  const b = await burst(s, big);
  row(`peak, 4 x ${BODY_MB} MB, --max-concurrent-runs 2`, b.statuses.sort().join(' '), b.peak, base);
  await sleep(2000);
  row('2 s after', '', rssMb(s.pid), base);
  await s.stop();
}

const widths = [0, 1, 2, 3].map((i) => Math.max(...[['case', 'statuses', 'RSS MB', 'x baseline'], ...rows].map((r) => r[i]!.length)));
const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
console.log(line(['case', 'statuses', 'RSS MB', 'x baseline']));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const r of rows) console.log(line(r));
console.log(`load average: ${loadavg().map((l) => l.toFixed(2)).join(' ')} (machine shared with other work)`);
