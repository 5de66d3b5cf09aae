// The kit's checkpoint-store suite, run against the example store.
import { describeCheckpointStoreConformance } from '@rlmtree/kit';
import { MapCheckpointStore } from './map-store.ts';

describeCheckpointStoreConformance('example: Map', async () => {
  const store = new MapCheckpointStore();
  return {
    store,
    writer: async () => new MapCheckpointStore(store.map),
    raw: {
      doc: async (runId, step) => store.map.get(`doc/${encodeURIComponent(runId)}/${step}`),
      setDoc: async (runId, step, doc) => void store.map.set(`doc/${encodeURIComponent(runId)}/${step}`, doc),
      blob: async (sha) => store.map.get(`blob/${sha}`),
      setBlob: async (sha, text) => void store.map.set(`blob/${sha}`, text),
    },
  };
});
