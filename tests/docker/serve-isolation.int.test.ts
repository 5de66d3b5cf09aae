/**
 * `rlmtree serve --runtime docker` on the real daemon: two concurrent callers each get a container
 * of their own, so neither sees the other's files or REPL memory (on main before, both ran in one
 * shared container and each read the other's secret), both are answered, and no container is
 * left: not after a request, not after a client hangs up mid-run, not after the server stops.
 * The same for two sessions under `--sessions`.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.ts';
import { needs, skipNote } from '../helpers/parts.ts';
import { startServeProcess, type ServeProcess } from '../helpers/serve.ts';

const POLICY = join(ROOT, 'tests/fixtures/serve-isolation-policy.mjs');

/** Names of the containers a serve process started (`rlmtree-<its pid>-<hex>`, docker-container.ts). */
function containersOf(pid: number): string[] {
  const out = execFileSync('docker', ['ps', '-a', '--filter', `name=^rlmtree-${pid}-`, '--format', '{{.Names}}'], { encoding: 'utf8' });
  return out.split('\n').filter(Boolean);
}

/** Waits (bounded) until the serve process has exactly `n` containers; returns what it has then. */
async function settleContainers(pid: number, n: number, timeoutMs = 30_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  let names = containersOf(pid);
  while (names.length !== n && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    names = containersOf(pid);
  }
  return names;
}

interface Looked {
  own: string;
  files: string[];
  memory: string[];
  processes: number;
  host: string;
}

const secret = () => `rlmtree-secret-${randomBytes(8).toString('hex')}`;

const missing = needs('docker');
describe.skipIf(missing)(`serve --runtime docker: a container per caller${skipNote(missing)}`, () => {
  describe.each([{ sessions: false }, { sessions: true }])('sessions: $sessions', ({ sessions }) => {
    let serve: ServeProcess;
    let pid: number;
    beforeAll(async () => {
      serve = await startServeProcess(['--model', `scripted:${POLICY}`, '--runtime', 'docker', '--warm-runtimes', '1', '--cell-timeout', '120', ...(sessions ? ['--sessions'] : [])]);
      pid = serve.child.pid!;
    }, 120_000);
    afterAll(async () => {
      await serve?.stop();
      for (const name of containersOf(pid)) execFileSync('docker', ['rm', '-f', name]);
    });
    const client = () => new OpenAI({ baseURL: serve.baseURL, apiKey: 'none', maxRetries: 0, timeout: 180_000 });

    it('two concurrent callers see only their own files and memory, and both are answered', async () => {
      const secrets = [secret(), secret()];
      const answers = await Promise.all(
        secrets.map(async (s) => {
          const res = await client().chat.completions.create({ model: 'rlmtree', messages: [{ role: 'user', content: `Keep ${s} and look around` }] });
          return JSON.parse(res.choices[0]!.message.content!) as Looked;
        }),
      );
      for (const [i, a] of answers.entries()) {
        expect(a.own).toBe(secrets[i]);
        expect(a.files).toEqual([]);
        expect(a.memory).toEqual([]);
        expect(a.processes).toBeGreaterThan(0); // the scan ran (its container's pid 1 and REPLs)
      }
      // Two containers (each has its own hostname), not one shared.
      expect(answers[0]!.host).not.toBe(answers[1]!.host);
      if (!sessions) {
        // Each request's container is gone with it; what is left is the warm spare.
        expect(await settleContainers(pid, 1)).toHaveLength(1);
      } else {
        // Each session keeps its container (its REPL goes on) until it expires, plus the spare.
        expect(await settleContainers(pid, 3)).toHaveLength(3);
      }
    }, 240_000);

    it('a client that hangs up mid-run leaves no container behind', async () => {
      // Left by the test before: the warm spare, and with sessions the two kept sessions' containers.
      const before = sessions ? 3 : 1;
      expect(await settleContainers(pid, before)).toHaveLength(before);
      const controller = new AbortController();
      const pending = client().chat.completions.create({ model: 'rlmtree', messages: [{ role: 'user', content: 'Sleep' }] }, { signal: controller.signal });
      pending.catch(() => {});
      await serve.runningTrees(1);
      // The sleeping request's container (or its new session's) and the refilled spare.
      expect(await settleContainers(pid, before + 1)).toHaveLength(before + 1);
      controller.abort();
      await expect(pending).rejects.toThrow();
      // With sessions: a session whose first turn was cancelled is not kept, so neither is its container.
      expect(await settleContainers(pid, before)).toHaveLength(before);
    }, 240_000);

    it('stopping the server removes every container', async () => {
      await serve.stop();
      expect(await settleContainers(pid, 0)).toEqual([]);
    }, 60_000);
  });
});
