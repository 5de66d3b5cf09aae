/** `@rlmtree/anthropic/testing`: a local server speaking Anthropic's Messages API, for tests and offline demos. */
export { startFakeAnthropic, type FakeAnthropicServer, type FakeAnthropicOptions, type FakeFault, type RecordedRequest } from './fake-server.ts';
