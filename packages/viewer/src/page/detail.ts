/// <reference lib="dom" />
/** The selected agent: facts, what changed in this step, children, messages, cells with host calls. */
import { html } from 'htm/preact';
import type { CellRecord, NodeRecord } from '../data.ts';
import type { Store, Nodes } from './store.ts';
import { ICONS, statusClass, tokens, usd } from './format.ts';

/** Human lines saying how `node` differs from `before` (the same agent one step earlier). */
export function changesOf(store: Store, node: NodeRecord, before: NodeRecord | null): string[] {
  if (!before) return ['agent created in this step'];
  if (before === node) return [];
  const out: string[] = [];
  if (before.status !== node.status) out.push(`status ${before.status} → ${node.status}`);
  const newMessages = node.messages.slice(before.messages.length);
  for (const [role, content] of newMessages) out.push(`+ ${role} message (${store.str(content).length} chars)`);
  for (const cell of node.cells.slice(before.cells.length)) out.push(`+ cell ${cell.index} ran: ${cell.status}, ${cell.outputChars} chars of output, ${cell.calls.length} host calls`);
  const last = node.cells.length === before.cells.length ? node.cells.at(-1) : undefined;
  const lastBefore = before.cells.at(-1);
  if (last && lastBefore && last !== lastBefore) out.push(`cell ${last.index} woken: ${lastBefore.status} → ${last.status}, output ${lastBefore.outputChars} → ${last.outputChars} chars`);
  if (node.pendingCode !== null && before.pendingCode !== node.pendingCode) out.push('code waiting to run (from the model reply)');
  const kids = node.children.slice(before.children.length);
  if (kids.length) out.push(`+ delegated ${kids.length}: ${kids.join(', ')}`);
  if (node.result !== before.result && node.result !== null) out.push(`result: ${store.str(node.result).slice(0, 120)}${store.str(node.result).length > 120 ? '…' : ''}`);
  if (node.error && node.error !== before.error) out.push(`error ${node.error.kind}: ${node.error.message}`);
  const dt = tokens(node.usage) - tokens(before.usage);
  if (dt) out.push(`+${dt} tokens, +${usd(node.usage.costUsd - before.usage.costUsd)}`);
  return out;
}

/** Host-call rows shown per cell before the rest are counted (keeps the DOM small for big fan-outs). */
const MAX_CALL_ROWS = 50;

function CellView(props: { store: Store; cell: CellRecord }) {
  const { store, cell } = props;
  const output = store.str(cell.output);
  return html`<div class=${`cell cell-${cell.status}`} data-testid="cell" data-cell=${cell.index}>
    <div class="cell-head">cell ${cell.index} · <span data-testid="cell-status">${cell.status}</span>${cell.outputChars > output.length ? ` · output ${cell.outputChars} chars (shown cut)` : ''}</div>
    <pre class="code" data-testid="cell-code">${store.str(cell.code)}</pre>
    ${output ? html`<pre class="output" data-testid="cell-output">${output}</pre>` : html`<div class="muted">no output</div>`}
    ${cell.error ? html`<pre class="error">${cell.error.type}: ${cell.error.message}\n${cell.error.traceback}</pre>` : null}
    ${cell.calls.length
      ? html`<table class="calls" data-testid="host-calls"><tr><th>host call</th><th>arguments</th><th>answer</th><th>tokens</th></tr>
          ${cell.calls.slice(0, MAX_CALL_ROWS).map((c) => html`<tr class=${c.ok === false ? 'bad' : ''}>
            <td>${c.name}</td><td><pre>${store.str(c.args).slice(0, 600)}</pre></td>
            <td><pre>${c.answer === null ? '(waiting)' : store.str(c.answer).slice(0, 600)}</pre></td>
            <td>${c.usage ? tokens(c.usage) : ''}</td></tr>`)}
          ${cell.calls.length > MAX_CALL_ROWS ? html`<tr><td colspan="4" class="muted">… ${cell.calls.length - MAX_CALL_ROWS} more host calls</td></tr>` : null}
        </table>`
      : null}
  </div>`;
}

// Cell records are shared between steps until they change; handing Preact the same vnode for the
// same record lets it skip diffing that cell's subtree entirely.
const cellVNodes = new WeakMap<CellRecord, ReturnType<typeof html>>();
function cellVNode(store: Store, cell: CellRecord) {
  let v = cellVNodes.get(cell);
  if (!v) cellVNodes.set(cell, (v = html`<${CellView} key=${cell.index} store=${store} cell=${cell} />`));
  return v;
}

/** The detail panel of one agent. */
export function AgentDetail(props: { store: Store; node: NodeRecord; before: NodeRecord | null; nodes: Nodes; onSelect: (id: string) => void }) {
  const { store, node, before, nodes, onSelect } = props;
  const changes = changesOf(store, node, before);
  const cls = statusClass(node);
  return html`<section class="detail" data-testid="detail" data-agent-id=${node.id}>
    <h2 class=${cls}><span class="icon">${ICONS[cls]}</span> ${node.id} <small data-testid="detail-status">${node.status}</small></h2>
    <div class="facts">depth ${node.depth} · iteration ${node.iteration} · ${node.usage.llmCalls} LLM calls · ${node.usage.inputTokens} in / ${node.usage.outputTokens} out tokens · ${usd(node.usage.costUsd)}
      ${node.parentId ? html` · parent <a href="#" onClick=${(e: Event) => { e.preventDefault(); onSelect(node.parentId!); }}>${node.parentId}</a>` : null}</div>
    <div class="query"><b>query</b> ${store.str(node.query)}</div>
    <div class="facts">CONTEXT: ${node.context.chars.toLocaleString('en')} chars${node.context.docs !== null ? ` in ${node.context.docs} documents` : ''}
      <details><summary>preview</summary><pre>${node.context.preview}</pre></details></div>
    ${node.result !== null ? html`<div class="result"><b>result</b><pre data-testid="detail-result">${store.str(node.result)}</pre></div>` : null}
    ${node.error ? html`<div class="result failed" data-testid="detail-error"><b>${node.error.kind}</b> ${node.error.message}</div>` : null}
    <h3>changed in this step</h3>
    <ul class="changes" data-testid="changes">${changes.length ? changes.map((c) => html`<li>${c}</li>`) : html`<li class="muted">nothing</li>`}</ul>
    ${node.children.length
      ? html`<h3>children (${node.children.length})</h3><ul class="children" data-testid="children">
          ${node.children.map((id) => {
            const c = nodes[id];
            const k = c ? statusClass(c) : 'ready';
            return html`<li class=${k}><a href="#" data-testid="child-link" data-agent-id=${id} onClick=${(e: Event) => { e.preventDefault(); onSelect(id); }}>${ICONS[k]} ${id}</a> ${c ? html`<small>${c.status} · it ${c.iteration}</small>` : null}</li>`;
          })}</ul>`
      : null}
    ${node.pendingCode !== null ? html`<h3>code waiting to run</h3><pre class="code" data-testid="pending-code">${store.str(node.pendingCode)}</pre>` : null}
    <h3>cells (${node.cells.length})</h3>
    ${node.cells.map((c) => cellVNode(store, c))}
    <h3>messages (${node.messages.length})</h3>
    ${node.messages.map(([role, content], i) => html`<details class=${`msg ${role}`} open=${role !== 'system'} key=${i} data-testid="message">
      <summary>${role}</summary><pre>${store.str(content)}</pre></details>`)}
  </section>`;
}
