/** The three scripted models of a task, ready for `runBench`: root policy, sub-model, base model. */
import { ScriptedLLM } from '@rlmtree/core';
import { baselineModel } from './policies/baseline.ts';
import { rootPolicy } from './policies/root.ts';
import { subModel } from './policies/sub-model.ts';

/** Scripted stand-ins for the root model, the sub-model and the base model. */
export interface ScriptedModels {
  llm: ScriptedLLM;
  subModel: ScriptedLLM;
  baselineLlm: ScriptedLLM;
}

/** @throws Error for a task with no scripted policy. */
export function scriptedModels(task: string): ScriptedModels {
  return {
    llm: new ScriptedLLM(rootPolicy(task), { name: `scripted:${task}-policy` }),
    subModel: new ScriptedLLM(subModel, { name: 'scripted:sub-model' }),
    baselineLlm: new ScriptedLLM(baselineModel, { name: 'scripted:base-model' }),
  };
}
