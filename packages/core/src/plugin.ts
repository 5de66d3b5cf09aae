/**
 * Plugins: how a package adds a runtime (`--runtime <name>[=<arg>]`) or a model provider
 * (`--model <prefix>:<rest>`) to the `rlmtree` command and to any host that loads plugins,
 * without editing either. A plugin module's default export is a `RlmtreePlugin` (typed with
 * `definePlugin`); the CLI loads the ones named in the project's package.json
 * (`rlmtree.plugins`), by `$RLMTREE_PLUGINS` or by `--plugin <module>` (docs/extending.md).
 * `create` runs only for the runtime or provider a run uses, so a plugin should import its heavy
 * dependencies inside `create` (the built-in ones do).
 */
import type { LLMClient } from './llm/client.ts';
import type { Runtime } from './runtime/runtime.ts';

/** A runtime a plugin offers. */
export interface RuntimeDefinition {
  /** The name after `--runtime`, e.g. `pyodide`: letters, digits, `-` and `_`. */
  name: string;
  /** One line for help and error messages, e.g. what `=<arg>` means. */
  description: string;
  /** Makes the runtime from the part after `name=` (empty when absent). May reject with a clear error. */
  create(arg: string): Runtime | Promise<Runtime>;
}

/** How the caller wants a provider's client set up (the CLI's flags); a provider may ignore what does not apply. */
export interface ProviderOptions {
  /** Time one HTTP attempt may take (ms); default `DEFAULT_MODEL_TIMEOUT_MS`. */
  timeoutMs?: number;
}

/** A model provider a plugin offers. */
export interface ProviderDefinition {
  /** The prefix before `:` in a model spec, e.g. `openai` in `openai:gpt-5`. */
  prefix: string;
  /** One line for help and error messages. */
  description: string;
  /** Makes a client from the part of the spec after `prefix:`. May reject with a clear error. */
  create(rest: string, options: ProviderOptions): LLMClient | Promise<LLMClient>;
}

/** What a plugin module exports by default. */
export interface RlmtreePlugin {
  /** The plugin's name in messages, usually its package name. */
  name: string;
  runtimes?: readonly RuntimeDefinition[];
  providers?: readonly ProviderDefinition[];
}

/** Types a plugin object (identity at run time). */
export function definePlugin(plugin: RlmtreePlugin): RlmtreePlugin {
  return plugin;
}

/** A spec the registry cannot serve: unknown name, malformed spec, or a bad plugin. */
export class PluginError extends Error {
  /** @param message says what and where, listing what is known. */
  constructor(message: string) {
    super(message);
    this.name = 'PluginError';
  }
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

/**
 * The runtimes and providers known to one host (the CLI keeps one). Later additions of the
 * same name replace earlier ones, so a plugin can override a built-in.
 */
export class PluginRegistry {
  private readonly runtimes = new Map<string, RuntimeDefinition & { from: string }>();
  private readonly providers = new Map<string, ProviderDefinition & { from: string }>();

  /**
   * Adds every runtime and provider of `plugin`.
   * @throws PluginError naming the plugin when it is not a plugin object or a name is malformed.
   */
  add(plugin: RlmtreePlugin, source = plugin?.name): this {
    if (!plugin || typeof plugin !== 'object' || typeof plugin.name !== 'string') {
      throw new PluginError(`plugin ${source ?? '(unnamed)'}: its default export is not an rlmtree plugin ({ name, runtimes?, providers? })`);
    }
    for (const r of plugin.runtimes ?? []) {
      if (!NAME.test(r?.name ?? '') || typeof r.create !== 'function') throw new PluginError(`plugin ${plugin.name}: runtime ${JSON.stringify(r?.name)} needs a name of letters, digits, - or _ and a create function`);
      this.runtimes.set(r.name, { ...r, from: plugin.name });
    }
    for (const p of plugin.providers ?? []) {
      if (!NAME.test(p?.prefix ?? '') || typeof p.create !== 'function') throw new PluginError(`plugin ${plugin.name}: provider ${JSON.stringify(p?.prefix)} needs a prefix of letters, digits, - or _ and a create function`);
      this.providers.set(p.prefix, { ...p, from: plugin.name });
    }
    return this;
  }

  /** Known runtime names, in the order added. */
  runtimeNames(): string[] {
    return [...this.runtimes.keys()];
  }

  /** Each runtime's name and description, in the order added (for help texts). */
  runtimeList(): { name: string; description: string }[] {
    return [...this.runtimes.values()].map((r) => ({ name: r.name, description: r.description ?? '' }));
  }

  /** Known provider prefixes, in the order added. */
  providerPrefixes(): string[] {
    return [...this.providers.keys()];
  }

  /**
   * Makes the runtime of `spec` (`<name>` or `<name>=<arg>`).
   * @throws PluginError for an unknown name, listing the known ones.
   */
  async runtime(spec: string): Promise<Runtime> {
    const eq = spec.indexOf('=');
    const name = eq < 0 ? spec : spec.slice(0, eq);
    const def = this.runtimes.get(name);
    if (!def) throw new PluginError(`unknown runtime ${JSON.stringify(name)} (runtimes: ${this.runtimeNames().join(', ')}; more come from plugins: --plugin <module>)`);
    return def.create(eq < 0 ? '' : spec.slice(eq + 1));
  }

  /**
   * Makes the client of a model spec `<prefix>:<rest>`, passing `options` to the provider.
   * @throws PluginError for a malformed spec or an unknown prefix, listing the known ones.
   */
  async provider(spec: string, options: ProviderOptions = {}): Promise<LLMClient> {
    const colon = spec.indexOf(':');
    if (colon <= 0 || colon === spec.length - 1) {
      throw new PluginError(`model spec ${JSON.stringify(spec)} is not <provider>:<model> (providers: ${this.providerPrefixes().join(', ')})`);
    }
    const prefix = spec.slice(0, colon);
    const def = this.providers.get(prefix);
    if (!def) {
      throw new PluginError(`unknown model provider ${JSON.stringify(prefix)} in ${JSON.stringify(spec)} (providers: ${this.providerPrefixes().join(', ')}; more come from plugins: --plugin <module>)`);
    }
    return def.create(spec.slice(colon + 1), options);
  }
}
