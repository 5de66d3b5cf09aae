/**
 * The fork server inside the docker runtime's container (issue 18), on a real daemon: REPLs are
 * forks of one server in the container (same parent, no `docker exec` each), interrupts and
 * timeouts still reach them through pid 1, and they take live snapshots: a fork of a SUPERVISING
 * agent opens its copy instead of re-running its cells, with the states of the rebuild.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Engine, isFinished, ReplSnapshots, ScriptedLLM, type CompletionRequest, type RunState } from '@rlmtree/core';
import { DockerRuntime } from '@rlmtree/runtime-python';
import { needs, skipNote } from '../helpers/parts.ts';

const missing = needs('docker');
const host = async () => ({ ok: false as const, error: 'none' });
const repl = (code: string) => '```repl\n' + code + '\n```';

describe.skipIf(missing)(`docker fork server${skipNote(missing)}`, () => {
  const runtime = new DockerRuntime({ poolSize: 0, interruptGraceMs: 1000, forkServer: true });
  afterAll(() => runtime.close());

  it('forks every REPL from one server in the container; a timeout interrupts the cell and the REPL goes on', async () => {
    const parents = new Set<string>();
    const pids = new Set<string>();
    const repls = [];
    for (let i = 0; i < 5; i++) {
      const r = await runtime.open({ agentId: `a${i}`, context: 'ctx', tools: [], maxOutputChars: 1000 });
      const out = await r.execute('import os\nprint(os.getpid(), os.getppid())', host, { cell: 0, timeoutMs: 30_000 });
      expect(out.status).toBe('ok');
      const [pid, ppid] = out.output.trim().split(' ');
      pids.add(pid!);
      parents.add(ppid!);
      repls.push(r);
    }
    expect(pids.size).toBe(5);
    expect(parents.size).toBe(1); // one fork server, not a docker exec per REPL
    const slow = await repls[0]!.execute('while True: pass', host, { cell: 1, timeoutMs: 500 });
    expect(slow.status).toBe('timeout');
    expect((await repls[0]!.execute('print("still here")', host, { cell: 2, timeoutMs: 30_000 })).output).toContain('still here');
    await Promise.all(repls.map((r) => r.close()));
  });

  it('a fork of a SUPERVISING agent opens its live snapshot: same states as the rebuild, the cell not re-run', async () => {
    const policy = () =>
      new ScriptedLLM((req: CompletionRequest, { turn }) => {
        const name = /^Query: (.*)/.exec(req.messages.find((m) => m.role === 'user')!.content)![1]!;
        const rules: Record<string, string[]> = {
          root: [repl('open("marks.txt", "a").write("ran\\n")\nbase = 5\nres = yield wait(delegate("c", "child"))\nbase += res[0]'), repl('done([base, len(open("marks.txt").read().split())])')],
          child: [repl('done(2)')],
        };
        return rules[name]![turn]!;
      });
    const runAll = async (engine: Engine, state: RunState) => {
      const states = [state];
      while (!isFinished(states.at(-1)!)) states.push(await engine.step(states.at(-1)!));
      return states;
    };
    const snapshots = new ReplSnapshots();
    const engine = new Engine({ llm: policy(), runtime, snapshots });
    let at = engine.init('root', 'ctx');
    while (at.nodes.root!.status !== 'SUPERVISING') at = await engine.step(at);
    expect(snapshots.stats().held).toBe(1);
    const forked = await runAll(new Engine({ llm: policy(), runtime, snapshots }), at);
    expect(snapshots.stats().opened).toBe(1);
    expect(forked.at(-1)!.nodes.root!.result).toEqual([7, 1]); // the mark was written once
    const rebuilt = await runAll(new Engine({ llm: policy(), runtime }), at);
    expect(rebuilt.at(-1)!.nodes.root!.result).toEqual([7, 2]); // the rebuild re-ran the first cell
    expect(snapshots.stats().bytes).toBe(0); // container pids: memory is not readable from the host
    await snapshots.close();
    await engine.close();
  });
});
