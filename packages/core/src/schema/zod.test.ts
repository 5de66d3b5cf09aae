import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { z as zodItself } from 'zod';
import { describe, expect, it } from 'vitest';
import { z } from './zod.ts';

const CORE = fileURLToPath(new URL('../index.ts', import.meta.url));

/** Runs `body` in a fresh Node (the core's sources) and returns what it printed; `loaded()` says whether a file of zod was loaded so far. */
function fresh(body: string): string {
  const probe = `import { registerHooks } from 'node:module';
const urls = [];
registerHooks({ load(url, ctx, next) { urls.push(url); return next(url, ctx); } });
const loaded = () => urls.some((u) => u.includes('/node_modules/zod/'));
const core = await import(${JSON.stringify(CORE)});
${body}`;
  return execFileSync(process.execPath, ['--input-type=module', '-e', probe], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } }).trim();
}

describe('zod loaded on first use (schema/zod.ts)', () => {
  it("is zod's own z: the instance the app imports, so schemas and registries are shared", () => {
    expect(z.object).toBe(zodItself.object);
    const mine = z.object({ a: z.string().describe('the a') });
    expect(zodItself.toJSONSchema(mine)).toMatchObject({ properties: { a: { type: 'string', description: 'the a' } } });
    const theirs = zodItself.object({ n: zodItself.number() });
    expect(z.toJSONSchema(theirs)).toMatchObject({ properties: { n: { type: 'number' } } });
    expect('object' in z).toBe(true);
  });

  it('is not loaded by importing the core, and is once a schema is built', () => {
    const out = fresh(`console.log(loaded());
try { core.createRun('q', 'c', { limits: { maxIterations: 0 } }); } catch (e) { console.log(e.message.split(':')[0]); }
console.log(loaded());`);
    expect(out.split('\n')).toEqual(['false', 'createRun', 'true']);
  });
});
