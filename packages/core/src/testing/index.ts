/**
 * `@rlmtree/core/testing`: test doubles for code built on rlmtree, free of any test framework:
 * a fake HTTP server scaffold (for fake provider servers) and an in-memory `FakeRuntime`. The
 * conformance suites (vitest) are in `@rlmtree/kit`.
 */
export { sendFault, sendJson, startFakeHttp, type FakeFault, type FakeHttp, type FakeHttpOptions, type RecordedRequest } from './fake-http.ts';
export { FakeRuntime, fakeCommands, type FakeCellInterpreter } from './fake-runtime.ts';
