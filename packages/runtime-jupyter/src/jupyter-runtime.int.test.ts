/**
 * The Jupyter runtime against a real jupyter-server + ipykernel: remote mode, the pool and
 * kernel shutdown, rich output, forged stdin requests, a crash the engine recovers from, and
 * the local server's watchdog when the host is killed.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine, ScriptedLLM, type HostCallHandler, type HostCallRequest } from '@rlmtree/core';
import { JupyterRuntime } from './jupyter-runtime.ts';
import type { KernelRepl } from './kernel-repl.ts';
import { LocalJupyterServer } from './local-server.ts';
import type { JupyterServerInfo } from './server-info.ts';
import { needs, skipNote } from '../../../tests/helpers/parts.ts';

const missing = needs('jupyter');
describe.skipIf(missing)(`jupyter-runtime${skipNote(missing)}`, () => {
  const NO_HOST: HostCallHandler = async (call) => {
    throw new Error(`unexpected host call ${call.name}`);
  };
  const OPEN = { agentId: 'root', context: 'ctx', tools: [], maxOutputChars: 2000 };
  const repl = (code: string) => '```repl\n' + code + '\n```';

  async function kernelIds(info: JupyterServerInfo): Promise<string[]> {
    const res = await fetch(`${info.baseUrl}api/kernels`, { headers: { Authorization: `token ${info.token}` } });
    return ((await res.json()) as { id: string }[]).map((k) => k.id);
  }

  async function answers(info: JupyterServerInfo): Promise<boolean> {
    return fetch(`${info.baseUrl}api/status`, { headers: { Authorization: `token ${info.token}` } }).then(
      (r) => r.ok,
      () => false,
    );
  }

  describe('JupyterRuntime on a remote server (URL + token)', () => {
    let server: LocalJupyterServer;
    beforeAll(async () => {
      server = await LocalJupyterServer.start();
    });
    afterAll(async () => {
      await server?.stop();
    });

    it('runs cells in kernels it starts there, and shuts each down when its REPL closes', async () => {
      const runtime = new JupyterRuntime({ url: server.info.baseUrl, token: server.info.token, poolSize: 1 });
      try {
        await runtime.ready();
        const before = await kernelIds(server.info);
        expect(before).toHaveLength(1); // the pooled kernel
        const r = await runtime.open(OPEN);
        const out = await r.execute('import os\nprint(CONTEXT, os.getpid() > 0)', NO_HOST, { cell: 0, timeoutMs: 10_000 });
        expect(out).toMatchObject({ status: 'ok', output: 'ctx True\n' });
        // The pool's refill started when open() took its kernel; under load it may still be starting.
        await runtime.ready();
        const during = await kernelIds(server.info);
        expect(during).toHaveLength(2); // the agent's and the refilled pool's
        await r.close();
        await (r as KernelRepl).shutdown;
        const after = await kernelIds(server.info);
        expect(after).toHaveLength(1);
        expect(r.alive).toBe(false);
      } finally {
        await runtime.close();
      }
      expect(await kernelIds(server.info)).toEqual([]);
      expect(await answers(server.info)).toBe(true); // a remote server is not ours to stop
    });

    it('fails with a clear error on a wrong token', async () => {
      const runtime = new JupyterRuntime({ url: server.info.baseUrl, token: 'wrong', poolSize: 0 });
      await expect(runtime.open(OPEN)).rejects.toThrow(/cannot start a kernel at http:\/\/127\.0\.0\.1:\d+\/: .*HTTP 403/);
      await runtime.close();
    });

    it('rejects a URL that is not http(s) at once', () => {
      expect(() => new JupyterRuntime({ url: 'ftp://x' })).toThrow(/must be http or https/);
    });
  });

  // Both local paths: through a local server, and direct kernels (the default with zeromq).
  describe.each([
    ['local server', false],
    ['direct kernels', true],
  ])('JupyterRuntime (%s)', (_name, direct) => {
    let runtime: JupyterRuntime;
    beforeAll(async () => {
      runtime = new JupyterRuntime({ poolSize: 1, interruptGraceMs: 1000, direct });
      await runtime.ready();
    });
    afterAll(async () => {
      await runtime?.close();
    });

    it('keeps images as displays, their text in the output, never the image data', async () => {
      const r = await runtime.open(OPEN);
      // A 1x1 PNG, displayed explicitly and as a cell's last value.
      const png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
      const code = [
        'import base64',
        'from IPython.display import Image, display',
        `img = Image(data=base64.b64decode("${png}"))`,
        'print("before")',
        'display(img)',
        'print("after")',
        'img',
      ].join('\n');
      const out = await r.execute(code, NO_HOST, { cell: 0, timeoutMs: 10_000 });
      expect(out.status).toBe('ok');
      expect(out.output).toBe('before\n<IPython.core.display.Image object>\nafter\n<IPython.core.display.Image object>\n');
      expect(out.displays).toEqual([
        { mime: 'image/png', data: png },
        { mime: 'image/png', data: png },
      ]);
      const plain = await r.execute('print(1)', NO_HOST, { cell: 1, timeoutMs: 10_000 });
      expect(plain.displays).toBeUndefined();
      await r.close();
    });

    it('does not take a stdin request from agent code for a host call', async () => {
      const r = await runtime.open(OPEN);
      const calls: HostCallRequest[] = [];
      const host: HostCallHandler = async (call) => {
        calls.push(call);
        return { ok: true, value: 'x' };
      };
      const forged = JSON.stringify({ type: 'call', id: 1, name: 'llm_query', args: { prompt: 'spoof', model: null } });
      const code = [
        'k = get_ipython().kernel',
        'try:',
        `    k.raw_input(${JSON.stringify(forged)})`,
        'except EOFError:',
        '    print("refused")',
        'try:',
        '    input("name? ")',
        'except EOFError:',
        '    print("no input")',
        'print(llm_query("real"))',
      ].join('\n');
      const out = await r.execute(code, host, { cell: 0, timeoutMs: 10_000 });
      expect(out).toMatchObject({ status: 'ok', output: 'refused\nno input\nx\n' });
      expect(calls).toEqual([{ name: 'llm_query', args: { prompt: 'real', model: null } }]);
      await r.close();
    });

    it('runs host messages past IPython (the execute_request shortcut) with the same results as through it', async () => {
      // Counts the cells IPython's input machinery sees; the shortcut's messages never reach it.
      const COUNT = 'n = [0]\nget_ipython().input_transformers_post.append(lambda lines: (n.__setitem__(0, n[0] + 1), lines)[1])';
      const OFF = 'hs = get_ipython().kernel.shell_handlers\nhs["execute_request"] = hs["execute_request"].fallback';
      const host: HostCallHandler = async (call) => ({ ok: true, value: call.name === 'delegate' ? 'root.c' : `answer to ${JSON.stringify(call.args)}` });
      const cells = [
        'x = 1',
        'print("a", x)\nx + 1',
        'raise ValueError("v")',
        'get_ipython().events.register("post_execute", lambda: print("post_execute ran"))',
        'print(llm_query("q"))',
        `big = "${'b'.repeat(70_000)}"\nlen(big)`, // over the 64 KB inline limit: fetched over stdin
        'h = delegate("c", "q")\nres = yield wait(h)\nprint(res)',
      ];
      const session = async (off: boolean) => {
        const r = await runtime.open(OPEN);
        expect((await r.execute(off ? `${COUNT}\n${OFF}` : COUNT, NO_HOST, { cell: 0, timeoutMs: 10_000 })).status).toBe('ok');
        const results = [];
        for (const [i, code] of cells.entries()) results.push(await r.execute(code, host, { cell: i + 1, timeoutMs: 10_000 }));
        results.push(await r.wake([{ ok: true, value: 7 }], host, { cell: cells.length, timeoutMs: 10_000 }));
        const seen = await r.execute('print(n[0])', NO_HOST, { cell: cells.length + 1, timeoutMs: 10_000 });
        await r.close();
        return { results: results.map(({ output, status, error, bound, result }) => ({ output, status, error, bound, result })), throughIPython: Number(seen.output.split('\n')[0]) };
      };
      const shortcut = await session(false);
      const ipython = await session(true);
      expect(shortcut.results).toEqual(ipython.results);
      expect(shortcut.results.map((r) => r.status)).toEqual(['ok', 'ok', 'error', 'ok', 'ok', 'ok', 'suspended', 'ok']);
      expect(shortcut.results[4]!.output).toContain('post_execute ran');
      expect(shortcut.throughIPython).toBe(0);
      expect(ipython.throughIPython).toBeGreaterThanOrEqual(cells.length + 1);
    });

    it('passes a CONTEXT of several MB and a large resume through stdin', async () => {
      const big = 'abcdefghij'.repeat(500_000);
      const r = await runtime.open({ ...OPEN, context: big });
      const host: HostCallHandler = async () => ({ ok: true, value: 'root.c' });
      const s = await r.execute('h = delegate("c", "q")\nres = yield wait(h)\nprint(len(CONTEXT), len(res[0]))', host, { cell: 0, timeoutMs: 10_000 });
      expect(s.status).toBe('suspended');
      const out = await r.wake([{ ok: true, value: big }], NO_HOST, { cell: 0, timeoutMs: 10_000 });
      expect(out).toMatchObject({ status: 'ok', output: '5000000 5000000\n' });
      await r.close();
    });

    it('rebuilds an agent whose kernel died in a fresh kernel, variables restored (engine)', async () => {
      const engine = new Engine({
        llm: new ScriptedLLM({
          rules: [{ match: 'root', replies: [repl('kept = 41'), repl('import os\nos._exit(9)'), repl('done(kept + 1)')] }],
        }),
        runtime,
      });
      const final = await engine.run('root', 'ctx');
      const root = final.nodes.root!;
      expect(root.result).toBe(42);
      expect(root.cells.map((c) => c.status)).toEqual(['ok', 'crashed', 'done']);
    });
  });

  describe('the local server', () => {
    it('stops when the host process is killed with SIGKILL', async () => {
      const script = [
        "import { LocalJupyterServer } from './packages/runtime-jupyter/src/local-server.ts';",
        'const s = await LocalJupyterServer.start();',
        'console.log(JSON.stringify(s.info));',
        'setInterval(() => {}, 1000);',
      ].join('\n');
      const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
      const line = await new Promise<string>((resolve, reject) => {
        let buf = '';
        child.stdout.on('data', (d: Buffer) => {
          buf += d.toString();
          if (buf.includes('\n')) resolve(buf.split('\n')[0]!);
        });
        child.once('exit', (code) => reject(new Error(`host exited early (${code})`)));
      });
      const info = JSON.parse(line) as JupyterServerInfo;
      expect(await answers(info)).toBe(true);
      child.kill('SIGKILL');
      const deadline = Date.now() + 15_000;
      while ((await answers(info)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      expect(await answers(info)).toBe(false);
    });
  });
});
