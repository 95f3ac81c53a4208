import { readYamlFile, WattpackError } from '@wattpack/common/daemon';
import type { Command, Option } from 'commander';

const invalid = (message: string) => new WattpackError('INVALID_ARGUMENT', message);

/** `--config <file>` or `--config=<file>` in argv, before commander parses it. */
export function configFlag(argv: string[]): string | undefined {
  const at = argv.findIndex((a) => a === '--config' || a.startsWith('--config='));
  if (at < 0) return undefined;
  return argv[at]!.includes('=') ? argv[at]!.slice('--config='.length) : argv[at + 1];
}

/** A file value as the text a flag would carry; labels may be a mapping. */
function asFlagText(key: string, value: unknown, file: string): string {
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && key === 'labels') {
    return Object.entries(value).map(([k, v]) => `${k}=${String(v)}`).join(',');
  }
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  throw invalid(`${file}: ${key} must be a string or a number`);
}

function parseValue(option: Option, key: string, value: unknown, file: string): unknown {
  if (option.isBoolean()) {
    if (typeof value !== 'boolean') throw invalid(`${file}: ${key} must be true or false`);
    return value;
  }
  const text = asFlagText(key, value, file);
  if (option.argChoices && !option.argChoices.includes(text)) throw invalid(`${file}: ${key} "${text}": use one of ${option.argChoices.join(', ')}`);
  try {
    return option.parseArg ? option.parseArg(text, undefined) : text;
  } catch (err) {
    throw invalid(`${file}: ${key}: ${(err as Error).message}`);
  }
}

/**
 * The settings file (/etc/wattpack/agent.yaml under systemd): the flags in camelCase, e.g.
 * `reportInterval: 500`. Set with commander's "config" source, so a flag and then the
 * environment (WATTPACK_*) still win over it, and it wins over the defaults.
 */
export function applyConfigFile(program: Command, file: string): void {
  const settings = readYamlFile(file);
  if (settings === null || settings === undefined) return;
  if (typeof settings !== 'object' || Array.isArray(settings)) throw invalid(`${file}: expected a mapping of settings`);
  const options = new Map(program.options.filter((o) => o.long !== '--config' && !o.long?.startsWith('--version') && o.long !== '--help').map((o) => [o.attributeName(), o]));
  for (const [key, value] of Object.entries(settings)) {
    const option = options.get(key);
    if (!option) throw invalid(`${file}: unknown setting "${key}": use ${[...options.keys()].join(', ')}`);
    program.setOptionValueWithSource(key, parseValue(option, key, value, file), 'config');
  }
}
