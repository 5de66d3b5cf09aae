/**
 * `@rlmtree/core`: the run state and its events (zod schemas), the pure reducer and planner,
 * the `Engine`, the `LLMClient` and `Runtime` interfaces, `ScriptedLLM`, `RLM`, prompts and the
 * tree's text rendering.
 */
export * from './schema/state.ts';
export * from './schema/events.ts';
export { reduce, reduceAll, newAgent, InvalidEventError } from './reduce.ts';
export { plan, isFinished, type Effect } from './plan.ts';
export { waitResults, awaitedFinished } from './wait.ts';
export { createRun, type CreateRunOptions } from './create.ts';
export { DEFAULT_LIMITS, totalUsage, checkTreeLimits } from './limits.ts';
export { Engine, type EngineOptions, type InitOptions, type RunOptions, type StepResult } from './engine/engine.ts';
export { resultOf, checkResult, recordResultSchema, schemaFromRecord, RESULT_ERROR_TYPE, type ResultSchema, type ResultOf, type TypedRunState, type ResultCheck } from './result.ts';
export { EngineEmitter, type EngineEvent, type EngineEventType, type EngineEventOf, type EngineListener, type EngineEventInput } from './engine/events.ts';
export { attachTelemetry, defaultTracer } from './engine/telemetry.ts';
export { progressLine } from './engine/progress.ts';
export { recordingHandler, type Tool, type HostCallContext, type RecordingHandler } from './engine/host-calls.ts';
export { restoreRepl, ReplayDivergedError } from './engine/restore.ts';
export { childId, idSegment } from './engine/ids.ts';
export { LLMError, zeroUsage, addUsage, type LLMClient, type CompletionRequest, type Completion } from './llm/client.ts';
export { PriceTable, prices, DEFAULT_PRICES, type ModelPrice } from './llm/pricing.ts';
export { ScriptedLLM, parseScript, ScriptFileSchema, estimateTokens, type Script, type ScriptRule, type ScriptFunction, type ScriptedLLMOptions, type MatchOn } from './llm/scripted.ts';
export { RLM, answerOf, conversationToTask, type RLMOptions, type RLMRun, type RLMRunOptions } from './rlm.ts';
export { parseReply, type ParsedReply } from './prompts/parse.ts';
export { systemPrompt, queryMessage, cellFeedback, describeContext, NO_CODE_MESSAGE, type PromptFacts } from './prompts/system.ts';
export { renderTree, nodeLine } from './tree-text.ts';
export { truncateMiddle, preview } from './util/truncate.ts';
export * from './runtime/runtime.ts';
export * from './runtime/protocol.ts';
export { intervene, injectMessage, setResult, cancelAgent, setLimits, rewind, pendingInterventions, ControlError, type PendingInterventions } from './control.ts';
export { encodeValue, decodeValue, sha256, DecodeError, DEFAULT_BLOB_THRESHOLD, type EncodedValue, type BlobSink, type BlobSource } from './trace/codec.ts';
export { TRACE_FORMAT, TRACE_FORMAT_VERSION, TraceFormatError, type Trace, type TraceHeader, type TraceStep } from './trace/format.ts';
export { readTrace, parseTrace, type ParsedTrace } from './trace/reader.ts';
export { TraceWriter, type TraceWriterOptions } from './trace/writer.ts';
export { replay, replayStep, rewindTrace, forkTrace, TraceReplayError } from './trace/replay.ts';
export { ReplayLLM, LLMReplayDivergedError } from './trace/replay-llm.ts';
export { serializeState, parseState } from './trace/state-file.ts';
export { type CheckpointStore, CheckpointCorruptError, CheckpointConflictError, CheckpointHeads, encodeCheckpoint, decodeCheckpoint, linkOf, CHECKPOINT_FORMAT, CHECKPOINT_FORMAT_VERSION, type EncodedCheckpoint, type ChainLink, type CheckpointWhere, type PredecessorRow } from './checkpoint/store.ts';
export { chainHash, chainSeed, seal, unseal, checkSeal, type Unsealed } from './integrity/chain.ts';
export { MemoryCheckpointStore } from './checkpoint/memory-store.ts';
export { FileCheckpointStore } from './checkpoint/file-store.ts';
export { SqliteCheckpointStore } from './checkpoint/sqlite-store.ts';
export { WarmPool, type WarmPoolOptions } from './runtime/warm-pool.ts';
export { CellWatch, cellResultOf, type CellWatchHooks } from './runtime/cell-watch.ts';
export { runSummary, agentSubCalls, subCallCountsOf, type RunSummary, type SubCallCounts, type VariableSummary } from './summary.ts';
export { MemorySubCallCache, subCallKey, type SubCallCache, type CachedReply, type SubCallKeyParts, type MemorySubCallCacheOptions } from './llm/subcall-cache.ts';
export { SqliteSubCallCache, type SqliteSubCallCacheOptions } from './llm/sqlite-subcall-cache.ts';
export { Session, SessionBusyError, TurnCancelledError, TurnFailedError, type SessionOptions, type SendOptions, type TurnResult, type SessionPoint } from './session/session.ts';
export { createSession, DEFAULT_COMPACTION, type CreateSessionOptions } from './session/create.ts';
export { modelMessages, cutMessage } from './session/compact.ts';
export { turnBindingCode } from './session/bind.ts';
export { turnMessage } from './prompts/session.ts';
export { SESSION_PROMPT_SECTION } from './prompts/system.ts';
export { type BetweenStepsEvent } from './control.ts';
export { continuation, type Continuation } from './session/conversation.ts';
export { definePlugin, PluginError, PluginRegistry, type ProviderDefinition, type RlmtreePlugin, type RuntimeDefinition } from './plugin.ts';
export { checkStep } from './checkpoint/store.ts';
