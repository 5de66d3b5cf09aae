/// <reference lib="dom" />
/**
 * The viewer page (Preact + htm): the agent tree at the selected step (a virtual list: only rows
 * in view are rendered), a step slider with play/pause and arrow keys, and the selected agent's
 * details. Bundled into the HTML file by esbuild at generation time (see `../html.ts`).
 */
import { html } from 'htm/preact';
import { render } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { NodeRecord, ViewerData } from '../data.ts';
import { AgentDetail } from './detail.ts';
import { Store, type Nodes } from './store.ts';
import { ICONS, statusClass, tokens, usd } from './format.ts';

/** Height of one tree row in px (fixed, so the visible window is computed, not measured). */
const ROW_PX = 24;
/** Rows rendered above and below the visible window. */
const OVERSCAN = 8;
/** Delay between steps while playing (ms). */
const PLAY_MS = 400;

interface Row {
  node: NodeRecord;
  depth: number;
  hasChildren: boolean;
}

/** Depth-first rows of the tree from the root, skipping the children of collapsed agents. */
function visibleRows(nodes: Nodes, rootId: string, collapsed: ReadonlySet<string>): Row[] {
  const rows: Row[] = [];
  const stack: [string, number][] = [[rootId, 0]];
  while (stack.length) {
    const [id, depth] = stack.pop()!;
    const node = nodes[id];
    if (!node) continue;
    rows.push({ node, depth, hasChildren: node.children.length > 0 });
    if (collapsed.has(id)) continue;
    for (let i = node.children.length - 1; i >= 0; i--) stack.push([node.children[i]!, depth + 1]);
  }
  return rows;
}

function Tree(props: { store: Store; nodes: Nodes; changed: Set<string>; selected: string; onSelect: (id: string) => void }) {
  const { store, nodes, changed, selected, onSelect } = props;
  const [collapsed, setCollapsed] = useState<Set<string>>(() => new Set());
  const [scroll, setScroll] = useState({ top: 0, height: 800 });
  const box = useRef<HTMLDivElement>(null);
  const rows = useMemo(() => visibleRows(nodes, store.data.rootId, collapsed), [nodes, collapsed]);
  useEffect(() => {
    const el = box.current!;
    const measure = () => setScroll({ top: el.scrollTop, height: el.clientHeight });
    measure();
    window.addEventListener('resize', measure);
    return () => window.removeEventListener('resize', measure);
  }, []);
  // Keep the selected row in view when it changes (e.g. chosen from the detail panel).
  useEffect(() => {
    const el = box.current!;
    const i = rows.findIndex((r) => r.node.id === selected);
    if (i < 0) return;
    if (i * ROW_PX < el.scrollTop) el.scrollTop = i * ROW_PX;
    else if ((i + 1) * ROW_PX > el.scrollTop + el.clientHeight) el.scrollTop = (i + 1) * ROW_PX - el.clientHeight;
  }, [selected]);
  const first = Math.max(0, Math.floor(scroll.top / ROW_PX) - OVERSCAN);
  const last = Math.min(rows.length, Math.ceil((scroll.top + scroll.height) / ROW_PX) + OVERSCAN);
  const toggle = (id: string) => {
    const next = new Set(collapsed);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setCollapsed(next);
  };
  return html`<div class="tree" ref=${box} data-testid="tree" data-rows=${rows.length}
      onScroll=${(e: Event) => setScroll({ top: (e.currentTarget as HTMLElement).scrollTop, height: (e.currentTarget as HTMLElement).clientHeight })}>
    <div style=${`height:${rows.length * ROW_PX}px;position:relative`}>
      ${rows.slice(first, last).map((r, k) => {
        const n = r.node;
        const preview = n.error ? `${n.error.kind}: ${n.error.message}` : n.result !== null ? store.str(n.result) : '';
        return html`<div key=${n.id} class=${`row ${statusClass(n)}${n.id === selected ? ' selected' : ''}${changed.has(n.id) ? ' changed' : ''}`}
            style=${`top:${(first + k) * ROW_PX}px;padding-left:${6 + r.depth * 16}px`}
            data-agent-id=${n.id} data-status=${n.status} data-testid="tree-row" onClick=${() => onSelect(n.id)}>
          <span class="caret" onClick=${(e: Event) => { e.stopPropagation(); if (r.hasChildren) toggle(n.id); }}>${r.hasChildren ? (collapsed.has(n.id) ? '▸' : '▾') : ''}</span>
          <span class="icon" title=${n.status}>${ICONS[statusClass(n)]}</span>
          <span class="name">${n.depth === 0 ? n.id : n.name}</span>
          <span class="meta">it ${n.iteration} · ${tokens(n.usage)} tok · ${usd(n.usage.costUsd)}</span>
          <span class="preview">${preview.slice(0, 80)}</span>
        </div>`;
      })}
    </div>
  </div>`;
}

function App(props: { store: Store }) {
  const { store } = props;
  const data = store.data;
  const [index, setIndex] = useState(store.count - 1);
  const [selected, setSelected] = useState(data.rootId);
  const [playing, setPlaying] = useState(false);
  const nodes = store.at(index);
  const previous = index > 0 ? store.at(index - 1) : null;
  // `at(index - 1)` moved the store's cursor; ask for `index` last so the next step is one delta.
  store.at(index);
  const changed = useMemo(() => store.changedAt(index), [index]);
  const clamp = (i: number) => Math.max(0, Math.min(store.count - 1, i));
  const go = (i: number) => setIndex(clamp(i));
  // Relative moves read the latest index, so keys pressed faster than renders still add up.
  const move = (by: number) => setIndex((i) => clamp(i + by));

  useEffect(() => {
    if (!playing) return;
    if (index >= store.count - 1) {
      setPlaying(false);
      return;
    }
    const t = setTimeout(() => move(1), PLAY_MS);
    return () => clearTimeout(t);
  }, [playing, index]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.target as HTMLElement).tagName === 'INPUT' && (e.target as HTMLInputElement).type !== 'range') return;
      const moves: Record<string, () => void> = {
        ArrowRight: () => move(1),
        ArrowLeft: () => move(-1),
        Home: () => go(0),
        End: () => go(store.count - 1),
        ' ': () => setPlaying((p) => !p),
      };
      const action = moves[e.key];
      if (action) {
        e.preventDefault();
        if (e.key !== ' ') setPlaying(false);
        action();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const all = Object.values(nodes);
  const done = all.filter((n) => n.status === 'FINISHED').length;
  let inTok = 0, outTok = 0, cost = 0, calls = 0;
  for (const n of all) {
    inTok += n.usage.inputTokens;
    outTok += n.usage.outputTokens;
    cost += n.usage.costUsd;
    calls += n.usage.llmCalls;
  }
  const root = nodes[data.rootId];
  const node = nodes[selected] ?? root;
  const stepMs = index > 0 ? data.steps[index - 1]!.durationMs : 0;
  return html`<div class="app">
    <header>
      <div class="title"><b>rlmtree</b> <span data-testid="title">${data.title}</span> <small>${data.runId}</small></div>
      <div class="controls">
        <button data-testid="play" onClick=${() => { if (index >= store.count - 1) go(0); setPlaying(!playing); }}>${playing ? '⏸ pause' : '▶ play'}</button>
        <button data-testid="prev" onClick=${() => move(-1)}>◀</button>
        <input type="range" min="0" max=${store.count - 1} value=${index} data-testid="step-slider" aria-label="step"
          onInput=${(e: Event) => go(Number((e.currentTarget as HTMLInputElement).value))} />
        <button data-testid="next" onClick=${() => move(1)}>▶</button>
        <span class="step" data-testid="step-label">step ${data.firstStep + index} / ${data.firstStep + store.count - 1}</span>
      </div>
      <div class="totals" data-testid="totals">agents ${done}/${all.length} finished · LLM calls ${calls} · tokens ${inTok + outTok} (in ${inTok}, out ${outTok}) · ${usd(cost)} · step took ${stepMs} ms</div>
      ${root && root.status === 'FINISHED'
        ? html`<div class=${`answer ${root.error ? 'failed' : ''}`} data-testid="final-answer">${root.error ? `✗ ${root.error.kind}: ${root.error.message}` : `answer: ${store.str(root.result)}`}</div>`
        : null}
    </header>
    <main>
      <${Tree} store=${store} nodes=${nodes} changed=${changed} selected=${node?.id ?? ''} onSelect=${setSelected} />
      ${node ? html`<${AgentDetail} store=${store} node=${node} before=${previous?.[node.id] ?? null} nodes=${nodes} onSelect=${setSelected} />` : null}
    </main>
  </div>`;
}

/** Reads the embedded data and mounts the page. */
function start(): void {
  const el = document.getElementById('rlmtree-data');
  const data = JSON.parse(el?.textContent ?? 'null') as ViewerData | null;
  const mount = document.getElementById('app')!;
  if (!data || data.format !== 'rlmtree.viewer') {
    mount.textContent = 'rlmtree viewer: this file holds no run data (the embedded JSON is missing or not rlmtree.viewer).';
    return;
  }
  const started = performance.now();
  const store = new Store(data);
  render(html`<${App} store=${store} />`, mount);
  document.body.dataset['ready'] = String(Math.round(performance.now() - started));
}

start();
