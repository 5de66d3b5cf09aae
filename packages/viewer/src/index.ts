/**
 * `@rlmtree/viewer`: a run's states as one self-contained HTML page (the agent tree at each step,
 * a step slider, each agent's messages, cells, host calls and what changed).
 */
export { viewerHtml, renderViewerHtml, pageAssets, type ViewerInput } from './html.ts';
export {
  buildViewerData,
  summarizeContext,
  jsonText,
  VIEWER_DATA_VERSION,
  MAX_JSON_CHARS,
  PREVIEW_CHARS,
  type ViewerData,
  type NodeRecord,
  type NodePatch,
  type CellRecord,
  type CallRecord,
  type StepDelta,
  type ContextSummary,
  type Str,
  type TailPatch,
  type BuildOptions,
} from './data.ts';
