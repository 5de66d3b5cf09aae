/** Small formatting helpers of the page: status classes and icons, tokens, USD. */
import type { NodeRecord } from '../data.ts';
import type { Usage } from '@rlmtree/core';

/** The row class of an agent: its status, or `failed` for an agent finished with an error. */
export type StatusClass = 'ready' | 'executing' | 'supervising' | 'finished' | 'failed';

/** Icon per status class. */
export const ICONS: Record<StatusClass, string> = {
  ready: '○',
  executing: '▶',
  supervising: '◐',
  finished: '✓',
  failed: '✗',
};

/** The status class of an agent. */
export function statusClass(n: Pick<NodeRecord, 'status' | 'error'>): StatusClass {
  if (n.status === 'FINISHED') return n.error ? 'failed' : 'finished';
  return n.status.toLowerCase() as StatusClass;
}

/** Input + output tokens. */
export function tokens(u: Usage): number {
  return u.inputTokens + u.outputTokens;
}

/** US dollars: 4 decimals under $1, 2 above. */
export function usd(x: number): string {
  return `$${x < 1 ? x.toFixed(4) : x.toFixed(2)}`;
}
