/**
 * Tools defined in TypeScript with zod schemas, as AI SDK users know them:
 *
 * ```ts
 * const search = tool({
 *   name: 'search',
 *   description: 'Lines of the corpus matching a regex.',
 *   parameters: z.object({ pattern: z.string().describe('a Python-style regex'), limit: z.number().int().default(20) }),
 *   returns: z.array(z.string()),
 *   execute: async ({ pattern, limit }) => …,
 * });
 * new Engine({ llm, runtime, tools: { search } });
 * ```
 *
 * In Python the tool is a real function, `search(pattern: str, limit: int = 20) -> list[str]`, with
 * a docstring; the system prompt lists its signature. Arguments are checked on the host against
 * `parameters` and a bad one is raised in Python as a `ToolError` naming the field (the model reads
 * it and tries again). Calls are host calls: recorded with their answers, and answered from the
 * record when a REPL is rebuilt, so a replay calls no tool.
 */
import { z } from '../schema/zod.ts';
import type { Json } from '../schema/state.ts';
import { isPythonName, pythonHint, pythonSignature, pythonStub, stubParameters } from './python-stub.ts';

/** What `execute` is told about the call. */
export interface ToolCallInfo {
  /** The tool's name. */
  name: string;
}

/** The definition given to `tool()`. */
export interface ToolDefinition<P extends z.ZodObject, R extends z.ZodType | undefined> {
  /** The Python function's name (an identifier). Optional when the tool is registered under a record key. */
  name?: string;
  /** What the tool does: the prompt's line and the docstring's first paragraph. */
  description: string;
  /** The arguments, as one zod object: field order is the positional order, `.describe()` documents each, `.default()` gives a default. */
  parameters: P;
  /** The value's schema; a value that does not match is an error of the tool (raised in Python as a ToolError). */
  returns?: R;
  /** Runs the tool with the validated arguments; may be async. A throw is raised in Python as a ToolError with its message. */
  execute(args: z.output<P>, info: ToolCallInfo): Promise<R extends z.ZodType ? z.input<R> : unknown> | (R extends z.ZodType ? z.input<R> : unknown);
  /** The agent depths that get the tool (root = 0), inclusive; default every depth. */
  depths?: { min?: number; max?: number };
}

/** What the state records about a tool (run config: the trace header holds it). */
export interface ToolSpec {
  name: string;
  description: string;
  /** `name(a: str, b: int = 10) -> list`. */
  signature: string;
  /** The Python `def` the REPL binds (see `pythonStub`). */
  stub: string;
  /** Lowest agent depth that gets the tool. */
  minDepth?: number;
  /** Highest agent depth that gets the tool. */
  maxDepth?: number;
}

const DEFINED = Symbol.for('rlmtree.tool');

/** A tool made by `tool()`: what the engine runs and the Python side binds. */
export interface DefinedTool {
  readonly [DEFINED]: true;
  readonly name: string | undefined;
  readonly description: string;
  readonly parameters: z.ZodObject;
  readonly returns: z.ZodType | undefined;
  readonly depths: { min?: number; max?: number } | undefined;
  /**
   * Runs the tool for a call from Python: positional `args` are matched to the parameters in order,
   * then `kwargs`; both are validated against `parameters`.
   * @throws ToolArgumentError naming the bad argument; the tool's own errors as they are.
   */
  run(args: Json[], kwargs: Record<string, Json>): Promise<Json>;
  /** The spec recorded in the state, for the tool registered as `name`. */
  spec(name: string): ToolSpec;
  /**
   * The same tool named `name` (how a tool registered under a record key learns its name).
   * @throws Error when the tool already has another name, or `name` is not a Python identifier.
   */
  named(name: string): DefinedTool;
}

/** A tool was called with arguments its schema rejects; the message reads like Python's own. */
export class ToolArgumentError extends Error {
  /** @param message names the tool and the argument. */
  constructor(message: string) {
    super(message);
    this.name = 'ToolArgumentError';
  }
}

/** True for a value made by `tool()`. */
export function isTool(value: unknown): value is DefinedTool {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[DEFINED] === true;
}

/**
 * Defines a tool. @throws Error when the name is not a Python identifier or a parameter name is
 * not a Python name (naming it).
 */
export function tool<P extends z.ZodObject, R extends z.ZodType | undefined = undefined>(def: ToolDefinition<P, R>): DefinedTool {
  if (def.name !== undefined && !isPythonName(def.name)) throw new Error(`tool(): name ${JSON.stringify(def.name)} is not a Python identifier`);
  for (const key of Object.keys(def.parameters.shape)) {
    if (!isPythonName(key)) throw new Error(`tool(${def.name ?? ''}): parameter ${JSON.stringify(key)} is not a Python name`);
  }
  const inputSchema = z.toJSONSchema(def.parameters, { io: 'input', unrepresentable: 'any' }) as Json;
  const params = stubParameters(inputSchema);
  const order = Object.keys(def.parameters.shape);
  const returnsSchema = def.returns ? (z.toJSONSchema(def.returns, { unrepresentable: 'any' }) as Record<string, Json>) : undefined;
  const returnsHint = returnsSchema ? pythonHint(returnsSchema) : 'object';
  const returnsDescription = typeof returnsSchema?.description === 'string' ? returnsSchema.description : undefined;

  const run = async function (this: void, name: string, args: Json[], kwargs: Record<string, Json>): Promise<Json> {
    const given: Record<string, Json> = {};
    if (args.length > order.length) throw new ToolArgumentError(`${name}() takes ${order.length} positional argument${order.length === 1 ? '' : 's'} but ${args.length} ${args.length === 1 ? 'was' : 'were'} given`);
    args.forEach((v, i) => (given[order[i]!] = v));
    for (const [k, v] of Object.entries(kwargs)) {
      if (!order.includes(k)) throw new ToolArgumentError(`${name}() got an unexpected keyword argument '${k}'`);
      if (k in given) throw new ToolArgumentError(`${name}() got multiple values for argument '${k}'`);
      given[k] = v;
    }
    const parsed = def.parameters.safeParse(given);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `argument '${i.path.join('.') || '(all)'}': ${i.message}`);
      throw new ToolArgumentError(`${name}() got a bad argument: ${issues.join('; ')}`);
    }
    const value = await def.execute(parsed.data as z.output<P>, { name });
    if (def.returns) {
      const out = def.returns.safeParse(value);
      if (!out.success) throw new Error(`${name}() returned a value that does not match its returns schema: ${out.error.issues.map((i) => `${i.path.join('.') || 'value'}: ${i.message}`).join('; ')}`);
      return toJson(name, out.data);
    }
    return toJson(name, value);
  };

  const made: DefinedTool = {
    [DEFINED]: true,
    name: def.name,
    description: def.description,
    parameters: def.parameters,
    returns: def.returns,
    depths: def.depths,
    run(args, kwargs) {
      return run(def.name ?? 'tool', args, kwargs);
    },
    named(name) {
      if (def.name === name) return made;
      if (def.name !== undefined) throw new Error(`tool ${def.name} is registered under another name, ${JSON.stringify(name)}`);
      return tool({ ...def, name });
    },
    spec(name) {
      if (def.name !== undefined && def.name !== name) throw new Error(`tool ${def.name} is registered under another name, ${JSON.stringify(name)}`);
      if (!isPythonName(name)) throw new Error(`tool name ${JSON.stringify(name)} is not a Python identifier`);
      return {
        name,
        description: def.description,
        signature: pythonSignature(name, params, returnsHint),
        stub: pythonStub(name, def.description, params, returnsHint, returnsDescription),
        ...(def.depths?.min !== undefined ? { minDepth: def.depths.min } : {}),
        ...(def.depths?.max !== undefined ? { maxDepth: def.depths.max } : {}),
      };
    },
  };
  return made;
}

function toJson(name: string, value: unknown): Json {
  if (value === undefined) return null;
  const text = JSON.stringify(value);
  if (text === undefined) throw new Error(`${name}() returned a value that is not JSON`);
  return JSON.parse(text) as Json;
}

/** Whether an agent at `depth` gets the tool `spec` describes. */
export function toolAvailableAt(spec: { minDepth?: number | undefined; maxDepth?: number | undefined }, depth: number): boolean {
  return (spec.minDepth === undefined || depth >= spec.minDepth) && (spec.maxDepth === undefined || depth <= spec.maxDepth);
}
