/** The `runs` table: one row per submitted run (status, latest step, answer), read by status/result. */
import { totalUsage, type RunState, type Usage } from '@rlmtree/core';
import type pg from 'pg';

/** Where a submitted run is. */
export type RunStatus = 'queued' | 'running' | 'finished';

/** A run as the `runs` table holds it. */
export interface RunRecord {
  runId: string;
  status: RunStatus;
  query: string;
  /** The latest stored step. */
  step: number;
  /** The root's answer once finished (null before, or when it ended without one). */
  result: unknown;
  /** Why the run ended without an answer (a structured reason), or null. */
  error: { kind: string; message: string } | null;
  /** The whole tree's usage at the latest step written by a worker (tokens; cost in USD when known). */
  usage: Usage | null;
  /** The worker that last took the run. */
  worker: string | null;
  /** How many times a worker took the run (more than 1: it was handed over). */
  attempts: number;
  submittedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

interface Row {
  run_id: string;
  status: RunStatus;
  query: string;
  step: number;
  result: unknown;
  error: RunRecord['error'];
  usage: Usage | null;
  worker: string | null;
  attempts: number;
  submitted_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

function record(r: Row): RunRecord {
  return {
    runId: r.run_id,
    status: r.status,
    query: r.query,
    step: r.step,
    // jsonb holds the answer wrapped, so a null answer and "no answer yet" stay apart.
    result: r.result === null ? null : (r.result as { value: unknown }).value,
    error: r.error,
    usage: r.usage,
    worker: r.worker,
    attempts: r.attempts,
    submittedAt: r.submitted_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
  };
}

/** Inserts the row of a new run. @throws Error (unique violation 23505) when the run id exists. */
export async function insertRun(db: pg.PoolClient, s: string, runId: string, query: string): Promise<void> {
  await db.query(`INSERT INTO ${s}.runs (run_id, status, query) VALUES ($1, 'queued', $2)`, [runId, query]);
}

/** Marks a run taken by `worker` (one more attempt). */
export async function markRunning(db: pg.Pool, s: string, runId: string, worker: string): Promise<void> {
  await db.query(`UPDATE ${s}.runs SET status = 'running', worker = $2, attempts = attempts + 1, started_at = COALESCE(started_at, now()) WHERE run_id = $1 AND status <> 'finished'`, [runId, worker]);
}

/** Records a written step on the run's row (inside the step's transaction), and the answer once the root finished. */
export async function markStep(db: pg.PoolClient, s: string, state: RunState): Promise<void> {
  const root = state.nodes[state.rootId]!;
  const done = root.status === 'FINISHED';
  await db.query(
    `UPDATE ${s}.runs SET step = $2, usage = $3, status = CASE WHEN $4 THEN 'finished' ELSE status END,
       result = CASE WHEN $4 THEN $5::jsonb ELSE result END, error = CASE WHEN $4 THEN $6::jsonb ELSE error END,
       finished_at = CASE WHEN $4 THEN now() ELSE finished_at END
     WHERE run_id = $1`,
    [state.runId, state.step, JSON.stringify(totalUsage(state)), done, done ? JSON.stringify({ value: root.result ?? null }) : null, done && root.error ? JSON.stringify(root.error) : null],
  );
}

/** The rows of `runIds` (all runs, newest first, when omitted; at most `limit`). */
export async function readRuns(db: pg.Pool, s: string, runIds?: readonly string[], limit = 1000): Promise<RunRecord[]> {
  const { rows } = runIds
    ? await db.query<Row>(`SELECT * FROM ${s}.runs WHERE run_id = ANY($1::text[])`, [runIds])
    : await db.query<Row>(`SELECT * FROM ${s}.runs ORDER BY submitted_at DESC, run_id LIMIT $1`, [limit]);
  const byId = new Map(rows.map((r) => [r.run_id, record(r)]));
  return runIds ? runIds.flatMap((id) => (byId.has(id) ? [byId.get(id)!] : [])) : [...byId.values()];
}

/** How many runs are in each status. */
export async function countRuns(db: pg.Pool, s: string): Promise<Record<RunStatus, number>> {
  const { rows } = await db.query<{ status: RunStatus; n: number }>(`SELECT status, count(*)::int AS n FROM ${s}.runs GROUP BY status`);
  const out: Record<RunStatus, number> = { queued: 0, running: 0, finished: 0 };
  for (const r of rows) out[r.status] = r.n;
  return out;
}
