/** The three-turn Tiny Shakespeare session on the subprocess runtime (Jupyter and Docker: their own files). */
import { afterAll, describe, it } from 'vitest';
import { SubprocessRuntime } from '@rlmtree/runtime-python';
import { threeTurns } from './shakespeare-session.ts';

const runtime = new SubprocessRuntime({ interruptGraceMs: 1000 });
afterAll(() => runtime.close());

describe('a three-turn session on the subprocess runtime', () => {
  it('parses in turn 0, answers from the variable in turn 1, compares with ANSWERS in turn 2', async () => {
    const session = await threeTurns(runtime);
    await session.close();
  });
});
