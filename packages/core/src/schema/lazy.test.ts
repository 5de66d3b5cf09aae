import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import * as core from '../index.ts';
import { lazySchema, real } from './lazy.ts';

/** Every zod schema reachable from `schema` through its definition (shapes, elements, options…). */
function reachable(schema: z.ZodType, seen = new Set<object>()): object[] {
  if (seen.has(schema)) return [];
  seen.add(schema);
  const out: object[] = [schema];
  const visit = (v: unknown): void => {
    if (v === null || typeof v !== 'object') return;
    if ('_zod' in v) out.push(...reachable(v as z.ZodType, seen));
    else if (Array.isArray(v)) v.forEach(visit);
    else if (Object.getPrototypeOf(v) === Object.prototype) Object.values(v).forEach(visit);
  };
  for (const [key, v] of Object.entries(schema._zod.def)) if (key !== 'shape') visit(v);
  const shape = (schema._zod.def as { shape?: Record<string, unknown> }).shape;
  if (shape) Object.values(shape).forEach(visit);
  return out;
}

describe('lazySchema', () => {
  it('builds on first use, once, and validates exactly like the schema it stands for', () => {
    let builds = 0;
    const make = () => z.object({ n: z.number().int().nonnegative(), name: z.string().min(1) });
    const lazy = lazySchema(() => {
      builds++;
      return make();
    });
    expect(builds).toBe(0);
    const bad = { n: -1.5, name: '' };
    const a = lazy.safeParse(bad);
    const b = make().safeParse(bad);
    expect(builds).toBe(1);
    expect(a.success).toBe(false);
    expect(a.error!.issues).toEqual(b.error!.issues);
    expect(a.error!.message).toBe(b.error!.message);
    expect(lazy.parse({ n: 3, name: 'x' })).toEqual({ n: 3, name: 'x' });
    expect(lazy).toBeInstanceOf(z.ZodObject);
    expect(Object.keys(lazy.shape)).toEqual(['n', 'name']);
    expect(lazy.extend({ more: z.boolean() }).safeParse({ n: 1, name: 'x' }).success).toBe(false);
    expect(z.toJSONSchema(lazy)).toEqual(z.toJSONSchema(make()));
    expect(builds).toBe(1);
    expect(real(lazy)).not.toBe(lazy);
    expect(real(real(lazy))).toBe(real(lazy));
  });

  it("core's exported schemas hold only real schemas inside (a stand-in only at the top, so parsing nested values never goes through a Proxy)", () => {
    const schemas = Object.entries(core).filter(([name, v]) => name.endsWith('Schema') && typeof v === 'object' && v !== null && '_zod' in v) as [string, z.ZodType][];
    expect(schemas.length).toBeGreaterThan(40);
    const standIns: string[] = [];
    for (const [name, schema] of schemas) {
      for (const inner of reachable(real(schema))) if (real(inner) !== inner) standIns.push(name);
    }
    expect(standIns).toEqual([]);
  });
});
