/**
 * The JSON protocol between the host and the REPL prelude, the same on every runtime.
 * Documented in docs/protocol.md. Each message is one JSON object; over pipes, one per line.
 *
 * host -> REPL: `init`, `exec`, `resume`, `answer`, `shutdown`
 * REPL -> host: `ready`, `call`, `cell_end`, `fatal`
 */
import { z } from 'zod';
import { CellErrorSchema, ContextSchema, HostAnswerSchema, JsonSchema } from '../schema/state.ts';

/** Protocol version; the prelude refuses a host speaking another. */
export const PROTOCOL_VERSION = 1;

/** Messages the host sends. */
export type HostMessage =
  | {
      type: 'init';
      protocol: number;
      agentId: string;
      context: z.infer<typeof ContextSchema>;
      tools: { name: string; description: string }[];
      maxOutputChars: number;
    }
  | { type: 'exec'; cell: number; code: string }
  | { type: 'resume'; cell: number; results: unknown[] }
  | ({ type: 'answer'; id: number } & z.infer<typeof HostAnswerSchema>)
  | { type: 'shutdown' };

/** Messages the REPL sends, validated on arrival. */
export const ReplMessageSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('ready'),
    protocol: z.number(),
    python: z.string(),
    /** The REPL's process id as seen where it runs (e.g. inside a container); lets the host interrupt it. */
    pid: z.number().int().positive().optional(),
  }),
  z.object({
    type: z.literal('call'),
    id: z.number().int(),
    name: z.enum(['llm_query', 'llm_query_batched', 'delegate', 'tool']),
    args: z.record(z.string(), JsonSchema),
  }),
  z.object({
    type: z.literal('cell_end'),
    cell: z.number().int(),
    status: z.enum(['suspended', 'ok', 'done', 'error', 'timeout']),
    output: z.string(),
    outputChars: z.number().int().nonnegative(),
    result: JsonSchema.optional(),
    awaiting: z.array(z.string()).optional(),
    error: CellErrorSchema.optional(),
  }),
  z.object({ type: z.literal('fatal'), message: z.string() }),
]);
/** A message from the REPL. */
export type ReplMessage = z.infer<typeof ReplMessageSchema>;

/**
 * Parses one protocol message from the REPL.
 * @throws Error naming the offending field when the text is not a valid message.
 */
export function parseReplMessage(text: string): ReplMessage {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new Error(`protocol: not JSON: ${text.slice(0, 120)}`);
  }
  const parsed = ReplMessageSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`protocol: bad message (${issue?.path.join('.') || 'message'}: ${issue?.message}): ${text.slice(0, 120)}`);
  }
  return parsed.data;
}
