/**
 * The plugin: `rlmtree run --plugin rlmtree-example-runtime-audit --runtime audit=<file> …`
 * runs the REPLs as subprocesses and appends one JSON line per cell to <file> (stderr without one).
 */
import { appendFileSync } from 'node:fs';
import { definePlugin } from '@rlmtree/core';

export default definePlugin({
  name: 'rlmtree-example-runtime-audit',
  runtimes: [
    {
      name: 'audit',
      description: 'subprocess REPLs with one JSON line per cell appended to <file> (audit=<file>)',
      create: async (file) => {
        const [{ AuditRuntime }, { SubprocessRuntime }] = await Promise.all([import('./audit-runtime.ts'), import('@rlmtree/runtime-python')]);
        return new AuditRuntime(new SubprocessRuntime(), (entry) => {
          const line = `${JSON.stringify(entry)}\n`;
          if (file) appendFileSync(file, line);
          else process.stderr.write(line);
        });
      },
    },
  ],
});
