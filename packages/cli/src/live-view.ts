/**
 * The progress shown on stderr while a run goes. On a TTY (`ttyView`): the agent tree redrawn in
 * place (log-update) with what each agent is doing now, a progress line (agents finished/total,
 * LLM calls, tokens, cost, elapsed) and the root model's streamed tokens. Otherwise (`lineView`,
 * also `--no-live`): one plain line per engine event worth a log line.
 * Both follow the engine's events (`Engine.on`) and the states `runFrom`'s `onStep` hands over.
 */
import chalk from 'chalk';
import { preview, totalUsage, type AgentNode, type Engine, type EngineEvent, type RunState, type StepResult } from '@rlmtree/core';

/** Something that follows a run step by step. */
export interface StepView {
  /** Called once with the state the run starts from, before its first step. */
  start?(state: RunState): void;
  /** Called after each step. */
  update(step: StepResult, previous: RunState): void;
  /** Called once at the end (leaves the final tree on screen). */
  finish(state: RunState): void;
}

/** Redraws at most this often while events stream in (ms). */
const REDRAW_MS = 80;
/** Characters of the root's streamed reply kept on screen. */
const STREAM_CHARS = 240;

const ICON: Record<AgentNode['status'] | 'FAILED', string> = {
  READY: chalk.gray('○'),
  EXECUTING: chalk.blue('▶'),
  SUPERVISING: chalk.yellow('◐'),
  FINISHED: chalk.green('✓'),
  FAILED: chalk.red('✗'),
};

/** The progress line: step, agents finished/total, LLM calls, tokens, cost (USD), elapsed seconds. */
export function progressLine(state: RunState, elapsedMs: number, inFlight = 0): string {
  const nodes = Object.values(state.nodes);
  const finished = nodes.filter((n) => n.status === 'FINISHED').length;
  const u = totalUsage(state);
  const flying = inFlight ? ` (+${inFlight} running)` : '';
  return `step ${state.step} · agents ${finished}/${nodes.length} finished · LLM calls ${u.llmCalls}${flying} · tokens ${u.inputTokens + u.outputTokens} · $${u.costUsd.toFixed(4)} · ${(elapsedMs / 1000).toFixed(1)}s`;
}

/** One agent's line: icon, id, status, iteration, and what it is doing now or how it ended. */
function agentLine(node: AgentNode, activity: string | undefined, width: number): string {
  const failed = node.status === 'FINISHED' && node.error;
  let line = `${ICON[failed ? 'FAILED' : node.status]} ${node.id} ${chalk.dim(`[${node.status.toLowerCase()}] iter ${node.iteration}`)}`;
  if (activity) line += ` ${chalk.cyan(activity)}`;
  else if (node.status === 'SUPERVISING') line += chalk.dim(` waiting for ${node.awaiting.length}`);
  else if (node.status === 'FINISHED') {
    line += failed ? chalk.red(` ${node.error!.kind}: ${preview(node.error!.message, width)}`) : ` → ${preview(node.result, width)}`;
  }
  return line;
}

/**
 * The tree as lines (box-drawing branches), at most `maxLines`: past that, the rest is counted by
 * status on one line. Children past `maxChildren` per agent are summarised the same way.
 */
export function treeLines(state: RunState, activity: ReadonlyMap<string, string>, maxLines: number, maxChildren = 12): string[] {
  const lines: string[] = [];
  const hidden = new Map<string, number>();
  const hide = (id: string) => {
    const walk = (i: string) => {
      const n = state.nodes[i];
      if (!n) return;
      hidden.set(n.status.toLowerCase(), (hidden.get(n.status.toLowerCase()) ?? 0) + 1);
      n.children.forEach(walk);
    };
    walk(id);
  };
  const visit = (id: string, prefix: string, childPrefix: string) => {
    const node = state.nodes[id];
    if (!node) return;
    if (lines.length >= maxLines - 1) return hide(id);
    lines.push(prefix + agentLine(node, activity.get(id), 40));
    node.children.forEach((cid, i) => {
      if (i >= maxChildren) return hide(cid);
      const last = i === Math.min(node.children.length, maxChildren) - 1;
      visit(cid, childPrefix + (last ? '└── ' : '├── '), childPrefix + (last ? '    ' : '│   '));
    });
  };
  visit(state.rootId, '', '');
  if (hidden.size) lines.push(chalk.dim(`… ${[...hidden.values()].reduce((a, b) => a + b, 0)} more agents (${[...hidden].map(([s, n]) => `${n} ${s}`).join(', ')})`));
  return lines;
}

/** What engine events say agents are doing right now, and the root's streamed text. */
class Activity {
  readonly now = new Map<string, string>();
  stream = '';
  inFlight = 0;
  private rootId = 'root';
  on(e: EngineEvent): void {
    switch (e.type) {
      case 'run_started':
        this.rootId = e.rootId;
        return;
      case 'llm_call_started':
        this.now.set(e.agentId, 'calling the model…');
        this.inFlight += 1;
        // A new reply of the root replaces the streamed text of its last one.
        if (e.agentId === this.rootId) this.stream = '';
        return;
      case 'llm_call_finished':
        this.now.delete(e.agentId);
        this.inFlight = Math.max(0, this.inFlight - 1);
        return;
      case 'cell_started':
        this.now.set(e.agentId, e.resumed ? `waking cell ${e.cell}…` : `running cell ${e.cell}…`);
        return;
      case 'cell_finished':
        this.now.delete(e.agentId);
        return;
      case 'token':
        this.stream = (this.stream + e.fragment).slice(-STREAM_CHARS * 4);
        return;
      default:
        return;
    }
  }
}

/** Options of `ttyView`. */
export interface TtyViewOptions {
  /** Where to draw (default `process.stderr`). */
  stream?: NodeJS.WriteStream;
}

/**
 * The tree redrawn in place on a TTY. With `engine`, it also shows what each agent is doing
 * between steps and the root model's streamed tokens, and redraws as events arrive.
 * Async because log-update (and the ~20 modules it pulls in) is imported here, on the first live
 * view, not when the CLI starts (issue 18: `rlmtree --help` loaded it).
 */
export async function ttyView(engine?: Engine, options: TtyViewOptions = {}): Promise<StepView> {
  const stream = options.stream ?? process.stderr;
  const { createLogUpdate } = await import('log-update');
  const draw = createLogUpdate(stream, { showCursor: true });
  const startedAt = performance.now();
  const activity = new Activity();
  let state: RunState | undefined;
  let timer: NodeJS.Timeout | undefined;
  const frame = () => {
    timer = undefined;
    if (!state) return;
    const rows = stream.rows || 40;
    const width = stream.columns || 100;
    const out = treeLines(state, activity.now, Math.max(3, rows - 5));
    out.push(chalk.bold(progressLine(state, performance.now() - startedAt, activity.inFlight)));
    const text = activity.stream.replace(/\s+/g, ' ').trim();
    if (text) out.push(`${chalk.magenta('root ▸')} ${text.slice(-(width - 8))}`);
    draw(out.join('\n'));
  };
  const later = () => {
    timer ??= setTimeout(frame, REDRAW_MS);
  };
  // The elapsed time keeps moving while a step waits on a slow model.
  const ticker = setInterval(later, 1000);
  ticker.unref();
  const off = engine?.on('*', (e) => {
    activity.on(e);
    if (e.type !== 'step_finished') later();
  });
  return {
    start(initial) {
      state = initial;
      frame();
    },
    update(step) {
      state = step.state;
      if (timer) clearTimeout(timer);
      frame();
    },
    finish(final) {
      off?.();
      clearInterval(ticker);
      if (timer) clearTimeout(timer);
      state = final;
      activity.now.clear();
      activity.stream = '';
      frame();
      draw.done();
    },
  };
}

/** One line per engine event worth logging (or, without an engine, per agent status change). */
export function lineView(engine?: Engine, write: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): StepView {
  const startedAt = performance.now();
  const log = (e: EngineEvent) => {
    const line = eventLine(e);
    // Step numbers as the viewer shows them: the change made by the step that gives state N is "step N".
    if (line) write(`[step ${e.step + 1}] ${line}`);
  };
  // Named types, not '*': listening for tokens would make the root's client stream for nothing.
  const types = ['agent_started', 'llm_call_finished', 'cell_finished', 'delegated', 'limit_hit', 'error', 'agent_finished'] as const;
  const offs = engine ? types.map((t) => engine.on(t, log)) : [];
  const off = () => offs.forEach((f) => f());
  return {
    update({ state }, previous) {
      if (engine) return;
      for (const node of Object.values(state.nodes)) {
        const before = previous.nodes[node.id];
        if (!before || before.status !== node.status || before.iteration !== node.iteration) write(`[step ${state.step}] ${node.id} [${node.status.toLowerCase()}] iter ${node.iteration}`);
      }
    },
    finish(state) {
      off();
      write(progressLine(state, performance.now() - startedAt));
    },
  };
}

/** The log line of an engine event, or null for events not logged (tokens, step starts, ...). */
export function eventLine(e: EngineEvent): string | null {
  switch (e.type) {
    case 'agent_started':
      return `${e.agentId} started: ${preview(e.query, 60)}`;
    case 'llm_call_finished':
      return e.error ? `${e.agentId} model call failed: ${e.error}` : `${e.agentId} model replied (${e.usage ? e.usage.inputTokens + e.usage.outputTokens : 0} tokens, ${Math.round(e.durationMs)} ms)`;
    case 'cell_finished':
      return `${e.agentId} ${e.resumed ? 'woke' : 'ran'} cell ${e.cell}: ${e.status}, ${e.outputChars} chars of output, ${e.hostCalls} host calls`;
    case 'delegated':
      return `${e.agentId} delegated ${e.children.length}: ${e.children.map((c) => c.id).join(', ')}`;
    case 'limit_hit':
      return `${e.agentId} hit a limit: ${e.error.kind}: ${e.error.message}`;
    case 'error':
      return `${e.agentId} error ${e.kind}: ${e.message}`;
    case 'agent_finished':
      return e.error ? `${e.agentId} finished without a result: ${e.error.kind}` : `${e.agentId} finished → ${preview(e.result, 60)}`;
    default:
      return null;
  }
}
