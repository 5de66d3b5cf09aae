/** The three-turn Tiny Shakespeare session on the Docker runtime (the locally built image). */
import { afterAll, describe, it } from 'vitest';
import { DockerRuntime } from '@rlmtree/runtime-python';
import { threeTurns } from './shakespeare-session.ts';
import { needs, skipNote } from '../helpers/parts.ts';

const missing = needs('docker');
describe.skipIf(missing)(`three-turns-docker${skipNote(missing)}`, () => {
  const runtime = new DockerRuntime({ poolSize: 0, interruptGraceMs: 1000 });
  afterAll(() => runtime.close());

  describe('a three-turn session on the Docker runtime', () => {
    it('keeps the container REPL across turns: parse, top speaker from the variable, compare with ANSWERS', async () => {
      const session = await threeTurns(runtime);
      await session.close();
    }, 120_000);
  });
});
