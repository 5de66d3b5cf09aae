// The kit's runtime suite, run against the example runtime (over real python3 subprocesses),
// and the audit it keeps.
import { expect, it } from 'vitest';
import { SubprocessRuntime } from '@rlmtree/runtime-python';
import { describeRuntimeConformance } from '@rlmtree/kit';
import { AuditRuntime, type AuditEntry } from './audit-runtime.ts';

const audit: AuditEntry[] = [];
describeRuntimeConformance('example: audit over subprocess', () => new AuditRuntime(new SubprocessRuntime({ interruptGraceMs: 1000 }), (e) => audit.push(e)));

it('recorded every cell the suite ran, with how it ended', () => {
  expect(audit.length).toBeGreaterThan(15);
  expect(new Set(audit.map((e) => e.status))).toEqual(new Set(['ok', 'done', 'error', 'timeout', 'crashed', 'suspended']));
  expect(audit.filter((e) => e.kind === 'wake')).toHaveLength(1);
});
