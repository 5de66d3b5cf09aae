/**
 * A prelude of another rlmtree release (here: one that speaks protocol 99) is refused when its REPL
 * starts, with an error naming both versions, on the process REPL (subprocess runtime, through
 * its fork server) and on a Jupyter kernel. The prelude is a copy of the real one with only its
 * version changed, found through RLMTREE_PYTHON_DIR (docs/packaging.md) — so the runtime
 * packages are imported after it is set.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION, ProtocolVersionError } from '@rlmtree/core';
import { needs, skipNote } from './helpers/parts.ts';

const OTHER = 99;
const source = dirname(dirname(createRequire(import.meta.url).resolve('@rlmtree/runtime-python/python/rlmtree_prelude/__init__.py')));
const dir = mkdtempSync(join(tmpdir(), 'rlmtree-protocol-'));
cpSync(source, dir, { recursive: true, filter: (path) => !/__pycache__|[/\\]tests$/.test(path) });
const protocolFile = join(dir, 'rlmtree_prelude', 'protocol.py');
const patched = readFileSync(protocolFile, 'utf8').replace(/^PROTOCOL_VERSION = \d+/m, `PROTOCOL_VERSION = ${OTHER}`);
expect(patched).toContain(`PROTOCOL_VERSION = ${OTHER}`);
writeFileSync(protocolFile, patched);
process.env.RLMTREE_PYTHON_DIR = dir;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const repl = { agentId: 'root', context: 'c', tools: [], maxOutputChars: 1000 };
const bothVersions = new RegExp(`prelude speaks protocol ${OTHER}, this host speaks protocol ${PROTOCOL_VERSION}`);

describe('a prelude speaking another protocol version', () => {
  it.each([
    ['forked by the fork server', { fork: true }],
    ['started as its own process', { fork: false, poolSize: 0 }],
  ])('is refused by the process REPL %s, naming both versions', async (_how, options) => {
    const { SubprocessRuntime } = await import('@rlmtree/runtime-python');
    const runtime = new SubprocessRuntime({ interruptGraceMs: 500, ...options });
    try {
      const err = await runtime.open(repl).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(err?.message).toMatch(bothVersions);
    } finally {
      await runtime.close();
    }
  });

  const missing = needs('jupyter');
  it.skipIf(missing)(`is refused by a Jupyter kernel, naming both versions${skipNote(missing)}`, async () => {
    const { JupyterRuntime } = await import('@rlmtree/runtime-jupyter');
    const runtime = new JupyterRuntime({ poolSize: 0 });
    try {
      const err = await runtime.open(repl).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(err).toBeInstanceOf(ProtocolVersionError);
      expect(err?.message).toMatch(bothVersions);
      expect(err?.message).toMatch(/^jupyter: kernel /);
    } finally {
      await runtime.close();
    }
  }, 120_000);
});
