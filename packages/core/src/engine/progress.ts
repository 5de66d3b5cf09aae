/**
 * Progress lines: what an agent tree is doing, one short line per engine event worth showing. A
 * streamed answer sends them as reasoning text while the tree works (`rlmtree serve`'s
 * `reasoning_content` and reasoning summary deltas, `@rlmtree/ai-sdk`'s reasoning parts), before
 * the answer. The lines are for people watching; nothing parses them.
 */
import { preview } from '../util/truncate.ts';
import type { EngineEvent } from './events.ts';

/** Longest query or output excerpt shown in one line (chars). */
const EXCERPT_CHARS = 120;

/** The progress line for an engine event (ending in a newline), or null for events not shown. */
export function progressLine(event: EngineEvent): string | null {
  switch (event.type) {
    case 'agent_started':
      return event.parentId === null ? null : `${event.agentId} started: ${preview(event.query, EXCERPT_CHARS)}\n`;
    case 'cell_started':
      return event.resumed ? `${event.agentId} resumed cell ${event.cell} with its children's results\n` : `${event.agentId} runs cell ${event.cell}\n`;
    case 'cell_finished':
      return event.status === 'error' || event.status === 'timeout' || event.status === 'crashed' ? `${event.agentId} cell ${event.cell}: ${event.status}\n` : null;
    case 'delegated':
      return `${event.agentId} delegated ${event.children.length} agent${event.children.length === 1 ? '' : 's'}: ${event.children.map((c) => c.name).join(', ')}\n`;
    case 'agent_finished':
      return event.error ? `${event.agentId} ended without an answer: ${event.error.kind}\n` : `${event.agentId} finished\n`;
    case 'limit_hit':
      return `${event.agentId} hit a limit: ${event.error.kind}\n`;
    default:
      return null;
  }
}
