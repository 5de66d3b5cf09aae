/** `@rlmtree/openai/testing`: a local OpenAI-compatible server for tests, benchmarks and offline demos. */
export { startFakeOpenAI, type FakeOpenAIServer, type FakeOpenAIOptions, type FakeFault, type RecordedRequest } from './fake-server.ts';
