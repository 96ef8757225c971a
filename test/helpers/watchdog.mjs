// Runs beside each process a test spawns (stack.ts, spawnProc): once the test process is gone — finished, failed
// before its `after` hooks could stop anything, or killed — it stops that process too (SIGTERM, then SIGKILL
// after 10 s). Plain JS and no imports: it must start in milliseconds and outlive the test process.
const [testPid, childPid] = process.argv.slice(2).map(Number);

const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const timer = setInterval(() => {
  if (!alive(childPid)) process.exit(0);
  if (alive(testPid)) return;
  clearInterval(timer);
  try {
    process.kill(childPid, 'SIGTERM');
  } catch {}
  const hard = setInterval(() => {
    if (!alive(childPid)) process.exit(0);
  }, 200);
  setTimeout(() => {
    clearInterval(hard);
    try {
      process.kill(childPid, 'SIGKILL');
    } catch {}
    process.exit(0);
  }, 10_000);
}, 500);
