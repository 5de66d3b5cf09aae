/**
 * `@rlmtree/kit`: what a package that extends rlmtree tests itself with. Each suite is a vitest
 * `describe` block the extension's own test file calls with a factory:
 *
 * - `describeRuntimeConformance` — a `Runtime` (how agents' Python REPLs are hosted);
 * - `describeLLMClientConformance` — an `LLMClient` (a model provider);
 * - `describeCheckpointStoreConformance` — a `CheckpointStore`.
 *
 * vitest is a peer dependency: the suites run in the extension's own vitest. Test doubles that
 * need no vitest (`FakeRuntime`, `startFakeHttp`) are in `@rlmtree/core/testing`.
 */
export { describeRuntimeConformance, type RuntimeConformanceOptions } from './runtime-conformance.ts';
export { describeCheckpointStoreConformance, type RawRows, type StoreUnderTest } from './checkpoint-conformance.ts';
export { describeLLMClientConformance, type LLMClientUnderTest, type LLMClientCapabilities, type LLMFault } from './llm-client-conformance.ts';
