// The test helpers leave nothing behind: a process a test spawned is stopped once the test process is gone,
// even when that process was killed and ran none of its `after` hooks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { isAlive, repoRoot } from './helpers/stack.ts';


test('a process spawned by a test that is SIGKILLed is stopped within seconds', async () => {
  const testLike = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'test/fixtures/spawns-and-waits.ts')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [first] = (await once(testLike.stdout!, 'data')) as [Buffer];
  const sleeper = Number(first.toString().trim());
  try {
    assert.ok(isAlive(sleeper), 'the spawned process runs');
    testLike.kill('SIGKILL');
    const deadline = Date.now() + 8000;
    while (isAlive(sleeper) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.ok(!isAlive(sleeper), 'the spawned process was stopped after its test process died');
  } finally {
    testLike.kill('SIGKILL');
    if (isAlive(sleeper)) process.kill(sleeper, 'SIGKILL');
  }
});
