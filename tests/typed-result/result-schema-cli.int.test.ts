/** `rlmtree run --result-schema schema.json`: a wrong done() value is refused, the right one printed; bad schema files are named. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'rlmtree-result-schema-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const repl = (code: string) => '```repl\n' + code + '\n```';

describe('rlmtree run --result-schema', () => {
  it('refuses a wrong shape back to the model and prints the right one', async () => {
    const schema = file('schema.json', JSON.stringify({ type: 'object', properties: { lines: { type: 'integer' } }, required: ['lines'] }));
    const script = file('script.json', JSON.stringify([repl('done({"lines": "many"})'), repl('done({"lines": len(CONTEXT.splitlines())})')]));
    const r = await runCli(['run', 'how many lines?', '-c', 'examples/data/tinyshakespeare.txt', '-m', `scripted:${script}`, '--result-schema', schema, '--json', '--no-live']);
    expect(r.stderr).not.toContain('Error:');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).answer).toEqual({ lines: 40000 });
  });

  it('names a schema file that is not JSON or not a schema', async () => {
    const notJson = await runCli(['run', 'q', '-c', 'examples/data/tinyshakespeare.txt', '-m', 'scripted:x.json', '--result-schema', file('bad.json', '{nope')]);
    expect(notJson.code).toBe(1);
    expect(notJson.stderr).toMatch(/--result-schema .*bad\.json: not JSON/);
    const notSchema = await runCli(['run', 'q', '-c', 'examples/data/tinyshakespeare.txt', '-m', 'scripted:x.json', '--result-schema', file('list.json', '[1]')]);
    expect(notSchema.stderr).toMatch(/--result-schema .*list\.json: a JSON Schema is an object, got an array/);
  });
});
