/**
 * What the Pyodide runtime adds to the kit's conformance suite (tests/conformance/pyodide.int.test.ts):
 * what agent code cannot reach (host files, network, Node through the JS bridge) and what it can
 * when given (a mounted folder), and an interrupt that comes before the worker waits.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { HostCallHandler, Repl } from '@rlmtree/core';
import { PyodideRuntime } from './pyodide-runtime.ts';

const NO_HOST: HostCallHandler = async (call) => {
  throw new Error(`unexpected host call ${call.name}`);
};

describe('pyodide runtime: reach', () => {
  let dir: string;
  const runtimes: PyodideRuntime[] = [];
  afterAll(async () => {
    await Promise.all(runtimes.map((r) => r.close()));
  });
  let cell = 0;
  const run = async (repl: Repl, code: string) => repl.execute(code, NO_HOST, { cell: cell++, timeoutMs: 30_000 });
  const open = async (runtime: PyodideRuntime) => {
    runtimes.push(runtime);
    return runtime.open({ agentId: 'root', context: 'x', tools: [], maxOutputChars: 2000 });
  };

  it('gives agent code no host files, no network and no way into Node', async () => {
    const repl = await open(new PyodideRuntime({ poolSize: 0 }));
    const expectRefused = async (code: string, error: RegExp) => {
      const r = await run(repl, code);
      expect(r.status, code).toBe('error');
      expect(`${r.error!.type}: ${r.error!.message}`, code).toMatch(error);
    };
    await expectRefused(`open(${JSON.stringify(import.meta.filename)}).read()`, /FileNotFoundError/);
    await expectRefused('import socket\nsocket.create_connection(("127.0.0.1", 22), timeout=2)', /OSError|unreachable/);
    await expectRefused('import urllib.request\nurllib.request.urlopen("http://127.0.0.1:9/")', /URLError|unreachable/);
    await expectRefused('import js\njs.constructor.constructor("return process")()', /TypeError/);
    await expectRefused('import pyodide_js', /ModuleNotFoundError/);
    await expectRefused('from pyodide.code import run_js\nrun_js("process.exit(9)")', /ImportError/);
    await expectRefused('import js\njs.fetch', /AttributeError/);
    const r = await run(repl, 'import os\nprint(sorted(os.listdir("/")))');
    expect(r.output).toBe("['dev', 'home', 'lib', 'proc', 'rlmtree', 'tmp']\n");
  });

  it('reads and writes a host folder given as a mount', async () => {
    dir = await mkdtemp(join(tmpdir(), 'rlmtree-pyodide-'));
    await writeFile(join(dir, 'in.txt'), 'from the host');
    const repl = await open(new PyodideRuntime({ poolSize: 0, mounts: [{ hostPath: dir, path: '/data' }] }));
    const r = await run(repl, 'print(open("/data/in.txt").read())\nwith open("/data/out.txt", "w") as f:\n    f.write("from python")');
    expect(r).toMatchObject({ status: 'ok', output: 'from the host\n' });
    expect(await readFile(join(dir, 'out.txt'), 'utf8')).toBe('from python');
  });

  it('refuses a mount path that is not absolute, naming it', () => {
    expect(() => new PyodideRuntime({ mounts: [{ hostPath: '.', path: 'data' }] })).toThrow('PyodideRuntime: mounts: path "data" is not absolute');
  });
});

describe('pyodide runtime: interrupts', () => {
  // A host that rejects a call at once interrupts the cell before Python has begun to wait for the
  // answer. The worker used to sleep out its one-second wait before it looked at the interrupt, so
  // with a grace period under a second the REPL was killed instead (about 1 in 7 tries on an idle
  // machine, more under load).
  it('stops a cell whose host call is refused before Python waits, within a short grace period, every time', async () => {
    const runtime = new PyodideRuntime({ poolSize: 0, interruptGraceMs: 500 });
    try {
      const repl = await runtime.open({ agentId: 'root', context: 'x', tools: [], maxOutputChars: 400 });
      const refused = new Error('refused');
      let cell = 0;
      for (let i = 0; i < 12; i++) {
        await expect(repl.execute('x = llm_query("hi")', async () => Promise.reject(refused), { cell: cell++, timeoutMs: 30_000 })).rejects.toBe(refused);
        expect(await repl.execute(`print(${i})`, NO_HOST, { cell: cell++, timeoutMs: 30_000 }), `try ${i}`).toMatchObject({ status: 'ok', output: `${i}\n` });
      }
    } finally {
      await runtime.close();
    }
  });
});
