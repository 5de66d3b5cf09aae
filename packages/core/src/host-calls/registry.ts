/**
 * The host calls a run answers, by name. The live handler, the REPL rebuild and `ReplayLLM` all
 * look modules up here; `builtinHostCalls()` holds `llm_query`, `llm_query_batched`,
 * `delegate` and `tool`. A package adds a host call with `registry.register(module)` and passes
 * the registry to the engine (`EngineOptions.hostCalls`) and to `ReplayLLM`.
 */
import type { z } from 'zod';
import type { HostCall, HostAnswer, Json } from '../schema/state.ts';
import type { HostCallRequest } from '../runtime/runtime.ts';
import { askHostCall } from './ask.ts';
import { delegateHostCall } from './delegate.ts';
import { llmQueryHostCall } from './llm-query.ts';
import { llmQueryBatchedHostCall } from './llm-query-batched.ts';
import type { HostCallModule } from './module.ts';
import { toolHostCall } from './tool.ts';
import { WAIT } from './wait.ts';
import { quickParse } from '../schema/fast-path.ts';

/** A call checked against its module: the validated arguments, or the answer refusing it. */
export type CheckedCall =
  | { ok: true; module: HostCallModule<unknown>; args: unknown; recordedArgs: Json }
  | { ok: false; answer: HostAnswer & { ok: false }; recordedArgs: Json };

/** Host call modules by name. */
export class HostCallRegistry {
  private readonly modules = new Map<string, HostCallModule<unknown>>();

  /** @param modules registered in order (see `register`). */
  constructor(modules: readonly HostCallModule<any>[] = []) {
    for (const m of modules) this.register(m);
  }

  /**
   * Adds a module; returns the registry for chaining.
   * @throws Error when the name is taken, is `wait`, or is not a Python identifier.
   */
  register(module: HostCallModule<any>): this {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(module.name)) throw new Error(`host call name ${JSON.stringify(module.name)} is not a Python identifier`);
    if (module.name === WAIT) throw new Error('host call name "wait" is the suspension point, not a host call');
    if (this.modules.has(module.name)) throw new Error(`host call ${module.name} is registered twice`);
    this.modules.set(module.name, module as HostCallModule<unknown>);
    return this;
  }

  /** The module named `name`, if registered. */
  get(name: string): HostCallModule<unknown> | undefined {
    return this.modules.get(name);
  }

  /** Every module, in registration order. */
  list(): HostCallModule<unknown>[] {
    return [...this.modules.values()];
  }

  /** Python stubs of the modules that carry one (sent in `init.stubs`). */
  stubs(): string[] {
    return this.list().flatMap((m) => (m.python ? [m.python] : []));
  }

  /**
   * Validates a call from the REPL. An unknown name or arguments its schema rejects give an
   * `invalid_args` answer naming the call and the field (raised in Python as
   * `HostCallArgumentError`, a `TypeError`); the call is recorded with its arguments as sent.
   */
  check(req: HostCallRequest): CheckedCall {
    const module = this.modules.get(req.name);
    if (!module) {
      return { ok: false, recordedArgs: req.args, answer: { ok: false, kind: 'invalid_args', error: `no host call named ${req.name}` } };
    }
    const parsed = quickParse(module.args, req.args);
    if (!parsed.success) {
      return { ok: false, recordedArgs: req.args, answer: { ok: false, kind: 'invalid_args', error: `${req.name}(): ${describeIssues(parsed.error)}` } };
    }
    return { ok: true, module, args: parsed.data, recordedArgs: module.record ? module.record(parsed.data) : (parsed.data as Json) };
  }

  /** True when a rebuilt REPL's call `req` is the recorded call `rec` (same name, same identity). */
  sameCall(rec: HostCall, req: HostCallRequest): boolean {
    if (rec.name !== req.name) return false;
    const checked = this.check(req);
    const module = checked.ok ? checked.module : undefined;
    const identity = (args: Json) => (module?.identity ? module.identity(args) : args);
    return canonical(identity(rec.args)) === canonical(identity(checked.recordedArgs));
  }
}

/** `prompt: expected string, received number; model: ...`: each failing field by its path. */
function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.length ? i.path.join('.') : 'arguments'}: ${i.message}`)
    .join('; ');
}

/** JSON with object keys sorted, so two equal values compare equal as text. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

/** The modules every run has: `llm_query`, `llm_query_batched`, `delegate`, `ask`, `tool`. */
export const BUILTIN_HOST_CALLS: readonly HostCallModule<any>[] = [llmQueryHostCall, llmQueryBatchedHostCall, delegateHostCall, askHostCall, toolHostCall];

/** A fresh registry of the built-in host calls (register more on it). */
export function builtinHostCalls(): HostCallRegistry {
  return new HostCallRegistry(BUILTIN_HOST_CALLS);
}
