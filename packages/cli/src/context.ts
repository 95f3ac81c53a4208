import type { Command } from 'commander';
import type { SchedulerClient } from './client.js';
import { resolveConnection } from './config-file.js';
import { WattpackError } from '@wattpack/common/core';
import { toJson, toYaml } from './output/document.js';

/** table and wide for people (wide: more columns, nothing cut); json and yaml for programs; csv where a listing offers it (history, usage). */
export const OUTPUT_FORMATS = ['table', 'wide', 'csv', 'json', 'yaml'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** Where a run reads its environment and writes its output; tests pass their own. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  env: NodeJS.ProcessEnv;
}

export interface GlobalOptions {
  scheduler?: string;
  context?: string;
  insecure?: boolean;
  output: OutputFormat;
}

/** gRPC and the protos, loaded once a command runs (loadClient): help and usage errors never load them. */
let clientModule: typeof import('./client.js') | undefined;
export async function loadClient(): Promise<void> {
  clientModule ??= await import('./client.js');
}

/** The scheduler `wattpack dev` starts, when neither a flag, the environment nor the context names one. */
export const DEFAULT_SCHEDULER = '127.0.0.1:7700';

/** What a command gets: the global options, output in the chosen format, and a lazy client. */
export class Context {
  private connected?: SchedulerClient;

  constructor(
    readonly io: Io,
    readonly options: GlobalOptions,
    /** The command line as given: commander hides where `--` was, and `submit` needs it. */
    readonly argv: readonly string[],
  ) {}

  /** JSON or YAML: documents for programs, nothing on stdout for people. */
  get structured(): boolean {
    return this.options.output === 'json' || this.options.output === 'yaml';
  }

  client(): SchedulerClient {
    if (!this.connected) {
      const { address, credentials } = resolveConnection(this.io.env, this.options, DEFAULT_SCHEDULER);
      if (credentials.insecure) this.io.err('warning: --insecure: no TLS and no credential; only a scheduler started with --insecure answers\n');
      if (!clientModule) throw new Error('loadClient() was not awaited before client()');
      this.connected = clientModule.connectScheduler(address, credentials);
    }
    return this.connected;
  }

  /** The one output path: the proto object as JSON or YAML, or its rendering for people (`wide`: with -o wide). */
  print(value: unknown, human: (wide: boolean) => string): void {
    if (this.options.output === 'csv') throw new WattpackError('INVALID_ARGUMENT', '-o csv: this command prints table, wide, json or yaml; csv is for history and usage');
    this.io.out(`${this.document(value, { pretty: true }) ?? human(this.options.output === 'wide')}\n`);
  }

  /** A listing that also has more columns (-o wide) and CSV (-o csv). */
  printListing(value: unknown, views: { table: () => string; wide: () => string; csv: () => string }): void {
    const format = this.options.output;
    this.io.out(`${this.document(value, { pretty: true }) ?? views[format as 'table' | 'wide' | 'csv']()}\n`);
  }

  /** One item of a stream: a JSON document per line, a YAML document each, or a human line (none when undefined). */
  printItem(value: unknown, human: () => string | undefined): void {
    const text = this.document(value, { pretty: false }) ?? human();
    if (text !== undefined) this.io.out(`${text}\n`);
  }

  private document(value: unknown, opts: { pretty: boolean }): string | undefined {
    if (this.options.output === 'json') return toJson(value, opts);
    // A stream of YAML documents, each started by "---".
    if (this.options.output === 'yaml') return opts.pretty ? toYaml(value) : `---\n${toYaml(value)}`;
    return undefined;
  }

  close(): void {
    this.connected?.close();
  }
}

export type Handler = (ctx: Context, cmd: Command) => Promise<number | void>;

/** Wraps command actions so that all share one context, one error path and one exit code. */
export interface App {
  action(handler: Handler): (...args: unknown[]) => Promise<void>;
}
