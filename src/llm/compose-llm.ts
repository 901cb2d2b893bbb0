import path from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config';
import type { Embedder } from '../knowledge/embedder';
import type { KnowledgeBase } from '../knowledge/knowledge-base';
import { OfflineEmbedder } from '../knowledge/offline-embedder';
import { FallbackChain } from './fallback-chain';
import { GeminiEmbedder } from './gemini-embedder';
import { OllamaEmbedder } from './ollama-embedder';
import { GeminiProvider } from './gemini-provider';
import { LlmAnalyzer, SECOND_OPINION_PLACEHOLDERS } from './llm-analyzer';
import { EXPLAIN_PLACEHOLDERS, LlmExplainer } from './llm-explainer';
import type { LlmProvider } from './llm-provider';
import { OllamaProvider } from './ollama-provider';
import { loadPromptPair } from './prompts';
import { CachedLlmProvider, ResponseCache } from './response-cache';

export interface LlmServices {
  /** `gemini>ollama`, or `none` when no provider is configured. */
  chain: string;
  analyzer?: LlmAnalyzer;
  explainer?: LlmExplainer;
}

/** Builds the provider chain (Gemini → Ollama → none) and what uses it; nothing when unconfigured. */
export function composeLlm(config: Config, log: Logger): LlmServices {
  const providers: LlmProvider[] = [
    ...(config.llm.gemini ? [new GeminiProvider(config.llm.gemini)] : []),
    ...(config.llm.ollama ? [new OllamaProvider(config.llm.ollama)] : []),
  ];
  if (providers.length === 0) return { chain: 'none' };
  const chain = new FallbackChain(providers, { breaker: config.llm.breaker, log: log.child({ component: 'llm' }) });
  const llm: LlmProvider = config.llm.cache.ttlMs > 0 ? new CachedLlmProvider(chain, new ResponseCache(config.llm.cache)) : chain;
  const promptsDir = path.join(config.homeDir, 'prompts');
  return {
    chain: chain.name,
    analyzer: config.llm.analyzer
      ? new LlmAnalyzer({ llm, timeoutMs: config.llm.timeoutMs, prompts: loadPromptPair(promptsDir, 'second-opinion', SECOND_OPINION_PLACEHOLDERS) })
      : undefined,
    explainer: new LlmExplainer({ llm, timeoutMs: config.llm.timeoutMs, prompts: loadPromptPair(promptsDir, 'explain-finding', EXPLAIN_PLACEHOLDERS) }),
  };
}

/** The guideline embedder chosen by VIGIL_EMBEDDER; the offline default needs no network. */
export function composeEmbedder(config: Config, kb: KnowledgeBase): Embedder {
  const e = config.embedder;
  if (e.kind === 'gemini') return new GeminiEmbedder({ apiKey: e.apiKey, model: e.model, baseUrl: e.baseUrl, timeoutMs: e.timeoutMs });
  if (e.kind === 'ollama') return new OllamaEmbedder({ host: e.host, model: e.model, timeoutMs: e.timeoutMs });
  return new OfflineEmbedder(kb);
}
