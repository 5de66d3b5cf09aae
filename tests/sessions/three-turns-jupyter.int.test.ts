/** The three-turn Tiny Shakespeare session on the Jupyter runtime (a real local jupyter-server). */
import { afterAll, describe, it } from 'vitest';
import { JupyterRuntime } from '@rlmtree/runtime-jupyter';
import { threeTurns } from './shakespeare-session.ts';
import { needs, skipNote } from '../helpers/parts.ts';

const missing = needs('jupyter');
describe.skipIf(missing)(`three-turns-jupyter${skipNote(missing)}`, () => {
  const runtime = new JupyterRuntime({ poolSize: 1, interruptGraceMs: 1000 });
  afterAll(() => runtime.close());

  describe('a three-turn session on the Jupyter runtime', () => {
    it('keeps the kernel across turns: parse, top speaker from the variable, compare with ANSWERS', async () => {
      const session = await threeTurns(runtime);
      await session.close();
    }, 120_000);
  });
});
