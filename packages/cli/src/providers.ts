/**
 * The real model providers for `--model` / `--sub-model`: `openai:<model>` (OpenAI or any
 * OpenAI-compatible server via OPENAI_BASE_URL, key from OPENAI_API_KEY) and
 * `anthropic:<model>` (key from ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL). Imported once by main.ts.
 */
import { AnthropicClient } from '@rlmtree/anthropic';
import { OpenAIClient } from '@rlmtree/openai';
import { registerProvider } from './models.ts';

registerProvider('openai', (model) => new OpenAIClient({ model }));
registerProvider('anthropic', (model) => new AnthropicClient({ model }));
