/**
 * `@rlmtree/bench`: the RLM paper's long-context task families generated offline (S-NIAH,
 * OOLONG-style aggregation, OOLONG-Pairs), their scorers, scripted policies that solve them
 * through code, and the runner and reports behind `rlmtree bench`.
 */
export { TREC_LABELS, LABEL_NAMES, trecQuestions, shakespeareSlice, parseTrec, DATA_DIR, type TrecLabel, type TrecQuestion } from './corpus.ts';
export { Rng, instanceSeed } from './rng.ts';
export { contextText, type Instance, type TaskSpec, type ScoreKind } from './task.ts';
export { score, exactMatch, needleScore, numericScore, labelScore, comparisonScore, pairF1, parsePairs, lastNumber, labelOf, normalize, COMPARISONS } from './score.ts';
export { TASKS, taskByName } from './tasks/index.ts';
export { makeNeedle, needleSentence, needleQuestion, FILLER, sniah, type NeedleOptions, type Haystack } from './tasks/sniah.ts';
export { makeOolong, labelCounts, oolong, type OolongQuestion } from './tasks/oolong.ts';
export { makePairs, pairsText, qualifyingUsers, oolongPairs } from './tasks/oolong-pairs.ts';
export { renderRecord, formatDay, type LabelledRecord } from './tasks/records.ts';
export { rootPolicy } from './policies/root.ts';
export { subModel } from './policies/sub-model.ts';
export { baselineModel } from './policies/baseline.ts';
export { baselinePrompt, ANSWER_RESERVE_TOKENS, type BaselinePrompt } from './baseline.ts';
export { MeteredLLM } from './metered.ts';
export { runBench, runRlm, rlmResult, runBaseline, instances, type BenchOptions, type RunRecorder, type InstanceResult, type System } from './runner.ts';
export { summarize, sizeTables, promptTable, resultsCsv, sizeLabel, CSV_COLUMNS, type Summary } from './report.ts';
export { scriptedModels, type ScriptedModels } from './scripted.ts';
export { parseSizes } from './sizes.ts';
