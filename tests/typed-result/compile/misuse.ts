// Compiled by typed-result.int.test.ts, which expects exactly the errors marked EXPECT below:
// the answer of a typed run has the schema's type, so wrong uses do not compile.
import { z } from 'zod';
import { Engine, RLM, resultOf } from '@rlmtree/core';

declare const engine: Engine;
declare const rlm: RLM;
const Speaker = z.object({ speaker: z.string(), speeches: z.number() });

/** Never run: compiled only, so `tsc` reports each marked misuse of a typed answer (and nothing else). */
export async function misuse(): Promise<void> {
  const answer = resultOf(await engine.run('q', 'ctx', { result: Speaker }));
  const name: string = answer.speaker;
  const speeches: string = answer.speeches; // EXPECT TS2322
  const { result } = await rlm.run('q', 'ctx', { result: Speaker });
  result.missing; // EXPECT TS2339
  void [name, speeches];
}
