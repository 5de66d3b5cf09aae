/**
 * Contexts as files (context-files.ts): agent code sees the same `CONTEXT` as when it is sent
 * inline, every REPL given one context reads one file, the fingerprint the host sends is the one
 * the REPL would compute, and a bad file is a named error, on the subprocess runtime.
 */
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import type { CellResult, Context, Repl } from '@rlmtree/core';
import { ContextFiles, CONTEXT_FILE_MIN_CHARS } from './context-files.ts';
import { SubprocessRuntime } from './subprocess-runtime.ts';

const host = async () => ({ ok: false as const, error: 'no host calls here' });
const big = `line one "quoted" \\ é 漢字 🙂\n`.repeat(5000); // > 64 K chars, not ASCII
const files = new SubprocessRuntime({ contextFiles: true });
const inline = new SubprocessRuntime({ contextFiles: false });
afterAll(async () => {
  await files.close();
  await inline.close();
});

async function cell(repl: Repl, code: string, n: number): Promise<CellResult> {
  const r = await repl.execute(code, host, { cell: n, timeoutMs: 30_000 });
  if (r.status !== 'ok') throw new Error(`cell ${n}: ${r.status} ${r.error?.message ?? r.message ?? r.output}`);
  return r;
}

/** What agent code sees of CONTEXT (its type, length, a digest of its text), and the first cell's fingerprints. */
async function seen(runtime: SubprocessRuntime, context: Context) {
  const repl = await runtime.open({ agentId: 'a', context, tools: [], maxOutputChars: 100_000 });
  const first = await cell(repl, 'context = CONTEXT', 0);
  const out = await cell(
    repl,
    'import hashlib\nparts = CONTEXT if isinstance(CONTEXT, list) else [CONTEXT]\nprint(type(CONTEXT).__name__, [type(p).__name__ for p in parts][:3], len(CONTEXT), hashlib.sha256("\\x00".join(parts).encode("utf-8", "surrogatepass")).hexdigest())',
    1,
  );
  await repl.close();
  return { output: out.output.trim(), bound: first.bound };
}

describe('context files (subprocess runtime)', () => {
  it('binds the same CONTEXT as inline, for a str and a list, with the same fingerprints', async () => {
    for (const context of [big, [big, 'short doc', '', `${big}x`]]) {
      const viaFile = await seen(files, context);
      const viaInit = await seen(inline, context);
      expect(viaFile.output).toBe(viaInit.output);
      expect(viaFile.bound).toEqual(viaInit.bound);
      expect(viaFile.output).toMatch(typeof context === 'string' ? /* Python counts code points: 🙂 is one */ /^str \['str'\] 135000 / : /^list \['str', 'str', 'str'\] 4 /);
    }
  });

  it('writes each distinct context once, keeps small ones and lone surrogates inline', () => {
    const store = new ContextFiles();
    try {
      const a = store.part(big);
      expect(store.part(`${big.slice(0, 10)}${big.slice(10)}`)).toEqual(a); // another string, same text: same file
      expect('contextFile' in a && a.contextFile.bytes).toBe(Buffer.byteLength(big));
      const list = [big, big];
      const l = store.part(list);
      expect('contextFile' in l && l.contextFile.documents).toEqual([Buffer.byteLength(big), Buffer.byteLength(big)]);
      expect(readdirSync(store.dir).filter((n) => n.endsWith('.ctx'))).toHaveLength(2);
      expect(store.part('x'.repeat(CONTEXT_FILE_MIN_CHARS - 1))).toEqual({ context: 'x'.repeat(CONTEXT_FILE_MIN_CHARS - 1) });
      const lone = `${big}\ud800`;
      expect(store.part(lone)).toEqual({ context: lone });
    } finally {
      store.close();
    }
  });

  it('a context file that was changed or removed is a named error when the REPL starts', async () => {
    const runtime = new SubprocessRuntime({ contextFiles: true });
    try {
      const first = await runtime.open({ agentId: 'a', context: big, tools: [], maxOutputChars: 100 });
      await cell(first, 'n = len(CONTEXT)', 0);
      await first.close();
      // The next REPL given this context is told the same file: change it, then remove it.
      const dir = (runtime as unknown as { contextFiles: ContextFiles }).contextFiles.dir;
      const [name] = readdirSync(dir);
      writeFileSync(`${dir}/${name}`, 'short');
      const changed = await runtime.open({ agentId: 'b', context: big, tools: [], maxOutputChars: 100 });
      const r = await changed.execute('n = 1', host, { cell: 0, timeoutMs: 30_000 });
      expect(r.status).toBe('crashed');
      expect(r.message).toMatch(/context file \S+\.ctx holds 5 bytes, the init message says \d+/);
      await changed.close();
      // The same length, other bytes: the content address catches it.
      writeFileSync(`${dir}/${name}`, Buffer.from(big).fill(0x61, 0, 10));
      const edited = await runtime.open({ agentId: 'e', context: big, tools: [], maxOutputChars: 100 });
      expect((await edited.execute('n = 1', host, { cell: 0, timeoutMs: 30_000 })).message).toMatch(/context file \S+\.ctx was changed: its bytes hash to [0-9a-f]{64}, not [0-9a-f]{64}/);
      await edited.close();
      rmSync(`${dir}/${name}`);
      const gone = await runtime.open({ agentId: 'c', context: big, tools: [], maxOutputChars: 100 });
      expect((await gone.execute('n = 1', host, { cell: 0, timeoutMs: 30_000 })).message).toMatch(/cannot read the context file \S+\.ctx/);
      await gone.close();
    } finally {
      await runtime.close();
    }
  });

  it('REPLs over one big context share its decoded copy (a context server), and a changed file is still refused', async () => {
    const runtime = new SubprocessRuntime({ contextFiles: true });
    const huge = 'abcdefghij'.repeat(800_000); // 8 MB: over CONTEXT_SHARE_MIN_BYTES
    // The REPL's private memory written since the fork (Private_Dirty), in bytes.
    const dirty = async (repl: Repl) => {
      const out = await cell(repl, 'import re\nprint(int(re.search(r"Private_Dirty:\\s+(\\d+)", open("/proc/self/smaps_rollup").read()).group(1)) * 1024)', 1);
      return Number(out.output.trim());
    };
    try {
      const tiny = await runtime.open({ agentId: 't', context: 'tiny', tools: [], maxOutputChars: 100 });
      await cell(tiny, 'context = CONTEXT', 0);
      const repls: Repl[] = [];
      for (const id of ['a', 'b', 'c']) {
        const repl = await runtime.open({ agentId: id, context: huge, tools: [], maxOutputChars: 100 });
        const first = await cell(repl, 'context = CONTEXT\nprint(len(CONTEXT), CONTEXT[:3], CONTEXT[-2:])', 0);
        expect(first.output.trim()).toBe('8000000 abc ij');
        repls.push(repl);
      }
      const floor = await dirty(tiny);
      // Each REPL after the first was forked holding the context: its 8 MB are not its own.
      for (const repl of repls.slice(1)) expect((await dirty(repl)) - floor).toBeLessThan(2_000_000);
      for (const repl of [tiny, ...repls]) await repl.close();
      const dir = (runtime as unknown as { contextFiles: ContextFiles }).contextFiles.dir;
      const [name] = readdirSync(dir);
      // A server made now (the old one dropped) reads the file again and refuses the changed bytes.
      await (runtime as unknown as { contextServers: { close(): Promise<void> } }).contextServers.close();
      writeFileSync(`${dir}/${name}`, Buffer.from(huge).fill(0x7a, 0, 1));
      const changed = await runtime.open({ agentId: 'd', context: huge, tools: [], maxOutputChars: 100 });
      expect((await changed.execute('n = 1', host, { cell: 0, timeoutMs: 30_000 })).message).toMatch(/context file \S+\.ctx was changed/);
      await changed.close();
    } finally {
      await runtime.close();
    }
  });
});
