// Preloaded with `node --import` by bench/lib/targets.ts: at exit, writes the process's whole CPU
// time (user + system, µs, since the process started) to stderr as one `RLMTREE_CPU_US <n>` line.
process.on('exit', () => {
  const { user, system } = process.cpuUsage();
  process.stderr.write(`\nRLMTREE_CPU_US ${user + system}\n`);
});
