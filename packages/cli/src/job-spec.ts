import { resolve } from 'node:path';
import { parseJobSpec, quote, readYamlFile, WattpackError, type JobSpec } from '@wattpack/common/core';

/** Spec fields that `wattpack submit` flags set, named after the flags. */
export interface SpecFlags {
  name?: string;
  team?: string;
  image?: string;
  gpus?: number;
  nodes?: number;
  priority?: number;
  gpuModel?: string[];
  maxRuntime?: string;
  env?: string[];
  minWatts?: number;
  maxWatts?: number;
  preemptible?: boolean;
  flex?: number;
  cpus?: number;
  memory?: number;
  workdir?: string;
  outputFile?: string;
  errorFile?: string;
  export?: string;
  afterOk?: string;
  afterAny?: string;
}

export interface SpecSource {
  /** A YAML (or JSON) file with the schema's keys. */
  file?: string;
  flags: SpecFlags;
  /** Everything after `--`: the program and its arguments, never run through a shell. */
  argv: string[];
}

type Fields = Record<string, unknown>;

const isFields = (v: unknown): v is Fields => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Drops undefined values, so that only flags the user gave override the file. */
const given = (fields: Fields): Fields => Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));

function readSpecFile(file: string): Fields {
  const value = readYamlFile(file) ?? {};
  if (!isFields(value)) throw new WattpackError('INVALID_ARGUMENT', `${file}: expected a mapping of job fields (name, gpus, command, ...)`);
  return value;
}

function parseEnv(pairs: string[]): Record<string, string> {
  return Object.fromEntries(
    pairs.map((pair) => {
      const eq = pair.indexOf('=');
      if (eq < 0) throw new WattpackError('INVALID_ARGUMENT', `--env ${quote(pair)}: use KEY=VALUE`);
      return [pair.slice(0, eq), pair.slice(eq + 1)];
    }),
  );
}

/**
 * --export NAME,...: these variables of the submitter's environment, copied into the
 * job's env (sbatch's --export). Nothing is copied otherwise, and never all of it: the
 * submitter's environment holds credentials and paths of their machine, and the spec is
 * stored and shown to whoever may see the job (docs/jobs.md).
 */
function exportedEnv(names: string, from: NodeJS.ProcessEnv): Record<string, string> {
  const list = names.split(',').map((n) => n.trim()).filter(Boolean);
  if (list.some((n) => n.toUpperCase() === 'ALL')) {
    throw new WattpackError('INVALID_ARGUMENT', '--export ALL: name the variables to copy (--export HF_HOME,WANDB_PROJECT); the whole environment would carry your credentials into the stored job');
  }
  const env: Record<string, string> = {};
  for (const name of list) {
    if (name.toUpperCase() === 'NONE') continue;
    const value = from[name];
    if (value === undefined) throw new WattpackError('INVALID_ARGUMENT', `--export ${quote(name)}: not set in your environment`);
    env[name] = value;
  }
  return env;
}

const jobIds = (value: string | undefined) => value?.split(',').map((id) => id.trim()).filter(Boolean);

/**
 * The spec as the user wrote it (file, then flags, then the argv after `--`), checked
 * here so that mistakes are reported before anything is sent. `raw` is what goes to the
 * scheduler, which validates it again.
 */
export function loadJobSpec(source: SpecSource, environment: NodeJS.ProcessEnv = process.env): { raw: Fields; spec: JobSpec } {
  const { file, flags, argv } = source;
  if (!file && argv.length === 0) {
    throw new WattpackError(
      'INVALID_ARGUMENT',
      'give a job file (wattpack submit job.yaml) or a command after -- (wattpack submit --name x --gpus 1 -- python train.py)',
    );
  }
  const raw: Fields = {
    ...(file ? readSpecFile(file) : {}),
    ...given({
      name: flags.name,
      team: flags.team,
      image: flags.image,
      gpus: flags.gpus,
      nodes: flags.nodes,
      priority: flags.priority,
      maxRuntime: flags.maxRuntime,
      preemptible: flags.preemptible,
      // Like sbatch --chdir: relative to where the CLI runs.
      workdir: flags.workdir === undefined ? undefined : resolve(flags.workdir),
      output: flags.outputFile,
      error: flags.errorFile,
      afterOk: jobIds(flags.afterOk),
      afterAny: jobIds(flags.afterAny),
      flex: flags.flex,
    }),
  };
  if (flags.gpuModel?.length) raw.gpuModels = flags.gpuModel.flatMap((m) => m.split(',')).filter(Boolean);
  const exported = flags.export === undefined ? {} : exportedEnv(flags.export, environment);
  if (flags.env?.length || Object.keys(exported).length) raw.env = { ...(isFields(raw.env) ? raw.env : {}), ...exported, ...parseEnv(flags.env ?? []) };
  const power = given({ minWatts: flags.minWatts, maxWatts: flags.maxWatts });
  if (Object.keys(power).length) raw.power = { ...(isFields(raw.power) ? raw.power : {}), ...power };
  const resources = given({ cpus: flags.cpus, memoryMib: flags.memory });
  if (Object.keys(resources).length) raw.resources = { ...(isFields(raw.resources) ? raw.resources : {}), ...resources };
  if (argv.length) {
    // A new program makes the file's arguments meaningless.
    raw.command = argv;
    delete raw.args;
  }
  const parsed = parseJobSpec(raw);
  if (!parsed.success) throw new WattpackError('INVALID_ARGUMENT', `invalid job spec${file ? ` in ${file}` : ''}: ${parsed.error}`);
  return { raw, spec: parsed.data };
}
