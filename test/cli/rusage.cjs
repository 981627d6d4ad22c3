// Preloaded (`node --require`) into a CLI child by the pre-flight tests: on exit, writes the
// process's peak resident memory and CPU time to $MIXFLOW_TEST_RUSAGE.
const { writeFileSync } = require('node:fs');
process.on('exit', () => {
  const u = process.resourceUsage();
  writeFileSync(process.env.MIXFLOW_TEST_RUSAGE, JSON.stringify({ maxRssBytes: u.maxRSS * 1024, cpuMs: (u.userCPUTime + u.systemCPUTime) / 1000 }));
});
