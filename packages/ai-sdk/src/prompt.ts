/**
 * Messages between rlmtree and the AI SDK's provider specification (`LanguageModelV4Prompt`):
 * core's `ChatMessage`s (role + text) to a provider prompt for `fromAISDK`, and a provider prompt
 * to `ChatMessage`s for `rlmtreeModel`. Only text crosses: an RLM's input is text (its `CONTEXT`),
 * so files, tool calls and tool results are refused by name rather than dropped.
 */
import { UnsupportedFunctionalityError, type LanguageModelV4Prompt } from '@ai-sdk/provider';
import type { ChatMessage } from '@rlmtree/core';

/** Core messages as a provider prompt: system text stays a string, the others become one text part. */
export function toPrompt(messages: readonly ChatMessage[]): LanguageModelV4Prompt {
  return messages.map((m) => (m.role === 'system' ? { role: 'system', content: m.content } : { role: m.role, content: [{ type: 'text', text: m.content }] }));
}

/**
 * A provider prompt as core messages: text parts are joined; reasoning parts of earlier assistant
 * turns (an RLM's progress) are skipped.
 * @throws UnsupportedFunctionalityError for file parts, tool calls, tool results and tool messages.
 */
export function fromPrompt(prompt: LanguageModelV4Prompt): ChatMessage[] {
  return prompt.map((message, i) => {
    if (message.role === 'system') return { role: 'system', content: message.content };
    if (message.role === 'tool') throw new UnsupportedFunctionalityError({ functionality: 'tool messages', message: `prompt[${i}]: an RLM takes no tool results (it never returns tool calls)` });
    let content = '';
    for (const part of message.content) {
      if (part.type === 'text') content += part.text;
      else if (part.type === 'reasoning' || part.type === 'reasoning-file') continue;
      else throw new UnsupportedFunctionalityError({ functionality: `${part.type} parts`, message: `prompt[${i}]: an RLM takes text; ${part.type} parts are not supported` });
    }
    return { role: message.role, content };
  });
}
