/** The task families `rlmtree bench` knows, by name. */
import type { TaskSpec } from '../task.ts';
import { oolong } from './oolong.ts';
import { oolongPairs } from './oolong-pairs.ts';
import { sniah } from './sniah.ts';

/** Every task, by its CLI name. */
export const TASKS: Readonly<Record<string, TaskSpec>> = { 's-niah': sniah, oolong, 'oolong-pairs': oolongPairs };

/** @throws Error naming the known tasks when `name` is none of them. */
export function taskByName(name: string): TaskSpec {
  const task = Object.hasOwn(TASKS, name) ? TASKS[name] : undefined;
  if (!task) throw new Error(`unknown task ${JSON.stringify(name)} (tasks: ${Object.keys(TASKS).join(', ')})`);
  return task;
}
