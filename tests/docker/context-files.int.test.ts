/**
 * Contexts as files on the docker runtime (runtime-python/src/context-files.ts): the host folder
 * is bind-mounted read-only into the container, the non-root REPL reads it, and agent code sees
 * the same CONTEXT as when it is sent inline; in both container layouts, and through a context
 * server (a REPL forked holding the context).
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Context, Repl } from '@rlmtree/core';
import { DockerRuntime } from '@rlmtree/runtime-python';
import { needs, skipNote } from '../helpers/parts.ts';

const host = async () => ({ ok: false as const, error: 'no host calls here' });
const big = 'a line of the context, "quoted" é\n'.repeat(3000); // > 64 K chars
const missing = needs('docker');
const made: DockerRuntime[] = [];
afterAll(async () => void (await Promise.all(made.map((r) => r.close()))));

async function seen(runtime: DockerRuntime, context: Context): Promise<string> {
  const repl: Repl = await runtime.open({ agentId: 'a', context, tools: [], maxOutputChars: 10_000 });
  const r = await repl.execute('import hashlib\nparts = CONTEXT if isinstance(CONTEXT, list) else [CONTEXT]\nprint(type(CONTEXT).__name__, len(CONTEXT), hashlib.sha256("\\x00".join(parts).encode()).hexdigest())', host, { cell: 0, timeoutMs: 60_000 });
  await repl.close();
  if (r.status !== 'ok') throw new Error(`${r.status}: ${r.error?.message ?? r.message ?? r.output}`);
  return r.output.trim();
}

describe.skipIf(missing)(`docker context files${skipNote(missing)}`, () => {
  it('a container reads a big context from the mounted file, the same CONTEXT as inline', async () => {
    const viaFile = new DockerRuntime({ poolSize: 0 });
    const perAgent = new DockerRuntime({ containerPer: 'agent', poolSize: 0 });
    const viaInit = new DockerRuntime({ poolSize: 0, contextFiles: false });
    made.push(viaFile, perAgent, viaInit);
    expect(viaFile.options.mounts.map((m) => m.container)).toContain('/opt/rlmtree-contexts');
    expect(viaInit.options.mounts).toEqual([]);
    // Over 1 MB: the second REPL is forked from the context's server (context-servers.ts), which holds it decoded.
    const huge = big.repeat(12);
    for (const context of [big, [big, 'doc two'], huge]) {
      const inline = await seen(viaInit, context);
      expect(await seen(viaFile, context)).toBe(inline);
      expect(await seen(viaFile, context)).toBe(inline);
      expect(await seen(perAgent, context)).toBe(inline);
    }
    // The huge context's server was made in the container (an older image's prelude refuses it: null).
    const servers = (viaFile as unknown as { forking: { contexts: { servers: Map<string, Promise<{ pid: number } | null>> } } }).forking.contexts.servers;
    expect((await Promise.all([...servers.values()])).filter((s) => s !== null)).toHaveLength(1);
  }, 240_000);
});
