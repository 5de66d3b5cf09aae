/**
 * docs/protocol.md describes every protocol message and field of `protocol.ts`: a message or
 * field added to one and not the other fails here.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  AnswerMessageSchema,
  CallMessageSchema,
  CellEndMessageSchema,
  ExecMessageSchema,
  FatalMessageSchema,
  InitMessageSchema,
  ListeningMessageSchema,
  ExitedMessageSchema,
  NextRequestSchema,
  PROTOCOL_VERSION,
  ReadyMessageSchema,
  ShutdownMessageSchema,
  SnapshotFailedMessageSchema,
  SnapshotMessageSchema,
  ShareContextMessageSchema,
  SnapshotReadyMessageSchema,
  WakeMessageSchema,
} from './protocol.ts';

const doc = readFileSync(new URL('../../../../docs/protocol.md', import.meta.url), 'utf8');

/** Top-level field names of an object schema, through intersections and unions. */
function fieldsOf(schema: z.ZodType): Set<string> {
  const def = (schema as unknown as { def: { type: string; shape?: Record<string, unknown>; left?: z.ZodType; right?: z.ZodType; options?: z.ZodType[] } }).def;
  if (def.type === 'object') return new Set(Object.keys(def.shape!));
  if (def.type === 'intersection') return new Set([...fieldsOf(def.left!), ...fieldsOf(def.right!)]);
  if (def.type === 'union') return new Set(def.options!.flatMap((o) => [...fieldsOf(o)]));
  throw new Error(`no fields in a ${def.type} schema`);
}

/** The documented fields of the row whose type is `type`: backticked names outside parentheses. */
function documented(type: string): Set<string> | undefined {
  const row = doc.split('\n').find((line) => line.startsWith(`| \`${type}\` |`));
  if (!row) return undefined;
  const cell = row.split('|')[2] ?? '';
  let depth = 0;
  let top = '';
  for (const ch of cell) {
    if (ch === '(') depth += 1;
    else if (ch === ')') depth -= 1;
    else if (depth === 0) top += ch;
  }
  return new Set([...top.matchAll(/`([A-Za-z_]+)`/g)].map((m) => m[1]!));
}

const MESSAGES: [string, z.ZodType][] = [
  ['init', InitMessageSchema],
  ['exec', ExecMessageSchema],
  ['wake', WakeMessageSchema],
  ['answer', AnswerMessageSchema],
  ['shutdown', ShutdownMessageSchema],
  ['snapshot', SnapshotMessageSchema],
  ['share_context', ShareContextMessageSchema],
  ['ready', ReadyMessageSchema],
  ['call', CallMessageSchema],
  ['cell_end', CellEndMessageSchema],
  ['fatal', FatalMessageSchema],
  ['snapshot_ready', SnapshotReadyMessageSchema],
  ['snapshot_failed', SnapshotFailedMessageSchema],
  ['next', NextRequestSchema],
  ['listening', ListeningMessageSchema],
  ['exited', ExitedMessageSchema],
];

describe('docs/protocol.md', () => {
  it.each(MESSAGES)('lists every field of %s, and no other', (type, schema) => {
    const fields = fieldsOf(schema);
    fields.delete('type');
    expect(documented(type), `no row for ${type} in docs/protocol.md`).toBeDefined();
    expect([...documented(type)!].sort()).toEqual([...fields].sort());
  });

  it('lists no message the schemas lack', () => {
    const rows = [...doc.matchAll(/^\| `([a-z_]+)` \|/gm)].map((m) => m[1]!);
    expect(rows.sort()).toEqual(MESSAGES.map(([t]) => t).sort());
  });

  it('states the protocol version', () => {
    expect(doc).toContain(`\`PROTOCOL_VERSION\` (${PROTOCOL_VERSION})`);
  });
});
