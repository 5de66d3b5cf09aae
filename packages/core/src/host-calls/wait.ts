/**
 * `results = yield wait(*handles)`: not a `call` message but the suspension point. The cell
 * ends `suspended` with the handles; the reducer records `{ name: 'wait', args: { handles },
 * answer: null }` and fills the answer (the children's results) when the cell is resumed.
 * Its schemas live here so the record, the rebuild and the protocol agree on them.
 */
import { z } from '../schema/zod.ts';
import { WaitResultSchema, type HostCall } from '../schema/state.ts';
import { lazySchema, real } from '../schema/lazy.ts';

/** The name `wait` is recorded under. */
export const WAIT = 'wait';

/** Recorded arguments of `wait`: the awaited child ids, in order. */
export const WaitArgsSchema = lazySchema(() => z.object({ handles: z.array(z.string()) }));

/** The value of a resumed `wait`: one result per handle. */
export const WaitAnswerSchema = lazySchema(() => z.array(real(WaitResultSchema)));

/** True when `rec` is a recorded `wait` for exactly `handles`. */
export function isWaitFor(rec: HostCall | undefined, handles: readonly string[]): rec is HostCall {
  if (!rec || rec.name !== WAIT) return false;
  const parsed = WaitArgsSchema.safeParse(rec.args);
  return parsed.success && JSON.stringify(parsed.data.handles) === JSON.stringify(handles);
}
