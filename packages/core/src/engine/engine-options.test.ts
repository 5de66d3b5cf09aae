import { describe, expect, it } from 'vitest';
import { ScriptedLLM } from '../llm/scripted.ts';
import { FakeRuntime } from '../testing/fake-runtime.ts';
import { Engine, type EngineOptions } from './engine.ts';

describe('Engine options', () => {
  it('refuses the old name subLlm instead of dropping it silently', () => {
    const options = { llm: new ScriptedLLM(['x']), runtime: new FakeRuntime(), subLlm: new ScriptedLLM(['y']) } as unknown as EngineOptions;
    expect(() => new Engine(options)).toThrow(/subLlm is now called subModel/);
    expect(() => new Engine({ llm: new ScriptedLLM(['x']), runtime: new FakeRuntime(), subModel: new ScriptedLLM(['y']) })).not.toThrow();
  });
});
