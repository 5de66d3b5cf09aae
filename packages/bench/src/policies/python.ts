/**
 * Python the scripted policies write into the REPL: parsing records, classifying questions with
 * `llm_query_batched`, and the classification prompt the scripted sub-model answers.
 */
import { LABEL_NAMES, TREC_LABELS } from '../corpus.ts';

/** First line of every classification sub-call; the scripted sub-model recognises it. */
export const CLASSIFY_HEADER = `Label each question below with exactly one of these labels: ${TREC_LABELS.map((l) => LABEL_NAMES[l]).join('; ')}. Reply with one line per question, as <number>: <label>.`;

/** First line of every needle sub-call; the scripted sub-model recognises it. */
export const NEEDLE_HEADER = 'Find the special magic number for';

/** Questions per classification sub-call: about 20,000 characters of questions. */
export const CLASSIFY_BATCH = 400;

/** Characters of context per needle sub-call (about 12,500 tokens). */
export const NEEDLE_CHUNK = 50_000;

/** Defines `records()` -> [(date, user, question)] over CONTEXT and `classify(questions)` -> [label]. */
export const RECORDS_AND_CLASSIFY = `import re
from collections import Counter
from datetime import datetime

def records(text):
    out = []
    for line in text.split("\\n"):
        m = re.match(r"Date: (.+?) \\|\\| User: (\\d+) \\|\\| Instance: (.*)$", line)
        if m:
            out.append((m.group(1), int(m.group(2)), m.group(3)))
    return out

CLASSIFY_HEADER = ${JSON.stringify(CLASSIFY_HEADER)}

def classify(questions, batch=${CLASSIFY_BATCH}):
    starts = list(range(0, len(questions), batch))
    prompts = [CLASSIFY_HEADER + "\\n\\n" + "\\n".join(f"{j + 1}: {q}" for j, q in enumerate(questions[s:s + batch])) for s in starts]
    replies = llm_query_batched(prompts)
    labels = []
    for s, reply in zip(starts, replies):
        got = {}
        for line in str(reply).splitlines():
            m = re.match(r"\\s*(\\d+)\\s*:\\s*(.+)", line)
            if m:
                got[int(m.group(1))] = m.group(2).strip().lower()
        labels.extend(got.get(j + 1, "unknown") for j in range(min(batch, len(questions) - s)))
    return labels`;
