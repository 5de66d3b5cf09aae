/** `@rlmtree/core/testing`: helpers for tests of clients and servers built on rlmtree. */
export { sendFault, sendJson, startFakeHttp, type FakeFault, type FakeHttp, type FakeHttpOptions, type RecordedRequest } from './fake-http.ts';
