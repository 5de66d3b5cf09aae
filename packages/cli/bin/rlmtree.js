#!/usr/bin/env node
// The rlmtree command. Runs the TypeScript sources directly (Node >= 22.18 strips types).
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(`rlmtree: needs Node 22.18 or newer (this is ${process.version}); run: . scripts/node22.sh\n`);
  process.exit(1);
}
const { main } = await import('../src/main.ts');
process.exitCode = await main(process.argv.slice(2));
