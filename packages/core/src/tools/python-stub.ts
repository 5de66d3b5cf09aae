/**
 * Python source for a tool: a real `def` with the parameters' names, type hints and defaults and a
 * docstring, generated from the tool's JSON Schema (zod's `toJSONSchema`, input side), so `help()`,
 * the prompt and the model's own expectations all see the same signature.
 */
import type { Json } from '../schema/state.ts';

/** One parameter of a generated signature. */
export interface StubParameter {
  name: string;
  /** A Python type hint (`str`, `int`, `list[str]`, …). */
  hint: string;
  /** The default as a Python literal; absent for a required parameter. */
  default?: string;
  description?: string;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
// Python keywords cannot be parameter names; soft keywords (match, case, type, _) can.
const KEYWORDS = new Set(
  'False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield'.split(' '),
);

/** True when `name` can be a Python function or parameter name. */
export function isPythonName(name: string): boolean {
  return IDENTIFIER.test(name) && !KEYWORDS.has(name);
}

/** A JSON value as a Python literal (`true` → `True`, `null` → `None`, strings JSON-quoted, which Python reads). */
export function pythonLiteral(value: Json): string {
  if (value === null) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number' || typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(pythonLiteral).join(', ')}]`;
  return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${pythonLiteral(v as Json)}`).join(', ')}}`;
}

type Schema = { [k: string]: Json | undefined };

/** A Python type hint for a JSON Schema (best effort; `object` when it says nothing simple). */
export function pythonHint(schema: Schema | undefined): string {
  if (!schema) return 'object';
  const anyOf = (schema.anyOf ?? schema.oneOf) as Schema[] | undefined;
  if (Array.isArray(anyOf)) {
    const parts = [...new Set(anyOf.map((s) => pythonHint(s)))];
    return parts.join(' | ');
  }
  if (Array.isArray(schema.enum)) return schema.enum.every((e) => typeof e === 'string') ? 'str' : 'object';
  switch (schema.type) {
    case 'string':
      return 'str';
    case 'integer':
      return 'int';
    case 'number':
      return 'float';
    case 'boolean':
      return 'bool';
    case 'null':
      return 'None';
    case 'array': {
      if (schema.items) return `list[${pythonHint(schema.items as Schema)}]`;
      // A tuple (JSON Schema prefixItems) arrives in Python as a list of those types.
      const prefix = schema.prefixItems as Schema[] | undefined;
      return Array.isArray(prefix) && prefix.length ? `list[${[...new Set(prefix.map(pythonHint))].join(' | ')}]` : 'list';
    }
    case 'object':
      return 'dict';
    default:
      return 'object';
  }
}

/** The parameters of an object JSON Schema, in declaration order; optional ones without a default get `None`. */
export function stubParameters(parameters: Json): StubParameter[] {
  const schema = parameters as Schema;
  const props = (schema.properties ?? {}) as Record<string, Schema>;
  const required = new Set((schema.required ?? []) as string[]);
  const params = Object.entries(props).map(([name, s]): StubParameter => {
    const p: StubParameter = { name, hint: pythonHint(s) };
    if ('default' in s) p.default = pythonLiteral(s.default as Json);
    else if (!required.has(name)) p.default = 'None';
    if (typeof s.description === 'string') p.description = s.description;
    return p;
  });
  // Python wants parameters without defaults first; keep the declared order otherwise.
  return [...params.filter((p) => p.default === undefined), ...params.filter((p) => p.default !== undefined)];
}

/** `name(a: str, b: int = 10) -> list` for the prompt and the docstring's first line. */
export function pythonSignature(name: string, params: readonly StubParameter[], returns: string): string {
  const list = params.map((p) => `${p.name}: ${p.hint}${p.default !== undefined ? ` = ${p.default}` : ''}`).join(', ');
  return `${name}(${list}) -> ${returns}`;
}

/**
 * The Python `def` of a tool. Its body sends the arguments by name to the host through
 * `__rlmtree_tool__(name, kwargs, omitted)`, where `omitted` lists the optional parameters the
 * caller left at `None` so the host's schema sees them as absent.
 */
export function pythonStub(name: string, description: string, params: readonly StubParameter[], returns: string, returnsDescription?: string): string {
  const doc = [description.trim(), ''];
  if (params.length) {
    doc.push('Args:');
    for (const p of params) doc.push(`    ${p.name} (${p.hint}${p.default !== undefined ? `, default ${p.default}` : ''})${p.description ? `: ${p.description}` : ''}`);
  }
  doc.push(`Returns: ${returns}${returnsDescription ? `: ${returnsDescription}` : ''}`);
  const docstring = doc.join('\n').replace(/\\/g, '\\\\').replace(/"""/g, '\\"\\"\\"');
  const kwargs = `{${params.map((p) => `${JSON.stringify(p.name)}: ${p.name}`).join(', ')}}`;
  const nullable = params.filter((p) => p.default === 'None').map((p) => JSON.stringify(p.name));
  return [
    `def ${pythonSignature(name, params, returns)}:`,
    `    """${docstring.split('\n').join('\n    ')}\n    """`,
    `    return __rlmtree_tool__(${JSON.stringify(name)}, ${kwargs}, [${nullable.join(', ')}])`,
    '',
  ].join('\n');
}
