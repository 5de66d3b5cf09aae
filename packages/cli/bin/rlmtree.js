#!/usr/bin/env node
// The rlmtree command. Installed from npm it runs the built JavaScript (dist/); inside the
// repository checkout (src/ present) it runs the TypeScript sources, resolving the workspace's
// packages through their "@rlmtree/source" export condition (docs/packaging.md).
import { existsSync } from 'node:fs';
import * as nodeModule from 'node:module';

const [major, minor] = process.versions.node.split('.').map(Number);
const source = new URL('../src/main.ts', import.meta.url);
const fromSource = existsSync(source);
// Built JS needs 22.13 (node:sqlite without a flag, commander 15); sources need 22.18 (type stripping).
const [needMajor, needMinor] = fromSource ? [22, 18] : [22, 13];
if (major < needMajor || (major === needMajor && minor < needMinor)) {
  process.stderr.write(`rlmtree: needs Node ${needMajor}.${needMinor} or newer (this is ${process.version})${fromSource ? '; run: . scripts/node22.sh' : ''}\n`);
  process.exit(1);
}
// Node's on-disk compile cache (Node >= 22.1): the second and later starts reuse the V8 code of
// every module instead of compiling it again (issue 18: `rlmtree --help` start-up). It lives in
// the OS temp folder; NODE_COMPILE_CACHE picks another folder, NODE_DISABLE_COMPILE_CACHE=1 turns
// it off. It caches compiled code only, never results, so behaviour cannot differ.
nodeModule.enableCompileCache?.();
let main;
if (fromSource) {
  nodeModule.registerHooks({
    resolve: (specifier, context, next) =>
      next(specifier, context.conditions.includes('@rlmtree/source') ? context : { ...context, conditions: ['@rlmtree/source', ...context.conditions] }),
  });
  ({ main } = await import(source.href));
} else {
  ({ main } = await import('../dist/main.js'));
}
process.exitCode = await main(process.argv.slice(2));
