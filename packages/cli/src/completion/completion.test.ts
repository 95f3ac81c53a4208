import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { run } from '../program.js';

/** The script as `wattpack completion <shell>` prints it, in a file a real shell sources. */
async function script(shell: string): Promise<string> {
  let out = '';
  const code = await run(['completion', shell], { out: (t) => (out += t), err: () => undefined, env: {} });
  expect(code).toBe(0);
  const path = join(mkdtempSync(join(tmpdir(), 'wattpack-completion-')), shell);
  writeFileSync(path, out);
  return path;
}

/** What bash offers for the words typed so far (the last is the one being completed), as bash-completion calls it. */
function bash(path: string, ...words: string[]): string[] {
  const probe = `source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$((\${#COMP_WORDS[@]} - 1)); _wattpack; printf '%s\\n' "\${COMPREPLY[@]}"; complete -p wattpack >&2`;
  const r = spawnSync('bash', ['--norc', '--noprofile', '-c', probe, 'bash', path, 'wattpack', ...words], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  expect(r.stderr).toBe('complete -o default -F _wattpack wattpack\n');
  return r.stdout.split('\n').filter(Boolean);
}

/**
 * What zsh offers: zsh's completion builtins only run inside its line editor, so these
 * stand-ins print what the script hands them; the script itself runs in a real zsh.
 */
function zsh(path: string, ...words: string[]): string[] {
  const probe = [
    '_describe() { print -rl -- ${(P)${@[-1]}} }',
    'compadd() { print -rl -- ${(P)2} }',
    "_files() { print -r -- '<files>' }",
    'compdef() { print -r -- "compdef $*" >&2 }',
    'source "$1"; shift; words=(wattpack "$@"); CURRENT=$#words; _wattpack',
  ].join('\n');
  const r = spawnSync('zsh', ['-f', '-c', probe, 'zsh', path, ...words], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  expect(r.stderr).toBe('compdef _wattpack wattpack\n');
  return r.stdout.split('\n').filter(Boolean);
}

describe('bash completion', () => {
  let path: string;
  beforeAll(async () => {
    path = await script('bash');
  });

  it('completes subcommands, from the command tree', () => {
    expect(bash(path, '')).toEqual(expect.arrayContaining(['submit', 'jobs', 'job', 'cancel', 'logs', 'cordon', 'uncordon', 'completion']));
    expect(bash(path, 'co')).toEqual(['cordon', 'config', 'completion']);
    expect(bash(path, 'site', 's')).toEqual(['set-cap', 'set-team']);
    expect(bash(path, 'completion', '')).toEqual(['bash', 'zsh']);
  });

  it("completes a command's own flags and the global ones, and the values a flag allows", () => {
    expect(bash(path, 'jobs', '--m')).toEqual(['--mine']);
    expect(bash(path, 'jobs', '--')).toEqual(expect.arrayContaining(['--mine', '--state', '--since', '--limit', '--output', '--scheduler']));
    expect(bash(path, 'submit', '--name', 'x', '--wa')).toEqual(['--wait']);
    expect(bash(path, 'jobs', '-o', '')).toEqual(['table', 'wide', 'csv', 'json', 'yaml']);
    expect(bash(path, '--output', 'y')).toEqual(['yaml']);
  });

  it("skips flags' values when finding the command, and leaves a job's own command to bash", () => {
    // "site" is --scheduler's value here, not the site command.
    expect(bash(path, '--scheduler', 'site', 's')).toEqual(['submit', 'site', 'sim', 'shares']);
    expect(bash(path, '-o', 'json', 'site', 'set-')).toEqual(['set-cap', 'set-team']);
    // Values without fixed choices, and the words after --, fall back to file names (-o default).
    expect(bash(path, 'submit', '--name', '')).toEqual([]);
    expect(bash(path, 'submit', '--', 'py')).toEqual([]);
  });
});

describe('zsh completion', () => {
  let path: string;
  beforeAll(async () => {
    path = await script('zsh');
  });

  it('offers subcommands and flags with their descriptions, and the values a flag allows', () => {
    expect(zsh(path, 'site', '')).toEqual([
      "set-cap:change the site's facility power cap now",
      expect.stringMatching(/^grid-event:schedule a lower cap/),
      'clear-grid-events:cancel every scheduled grid event',
      expect.stringMatching(/^set-team:admins: /),
      expect.stringMatching(/^remove-team:admins: /),
    ]);
    expect(zsh(path, 'jobs', '--')).toEqual(expect.arrayContaining([expect.stringMatching(/^--mine:only my jobs/), expect.stringMatching(/^--output:output format/)]));
    expect(zsh(path, 'jobs', '-o', '')).toEqual(['table', 'wide', 'csv', 'json', 'yaml']);
    expect(zsh(path, '--scheduler', 'site', '')).toEqual(expect.arrayContaining([expect.stringMatching(/^cordon:/)]));
    expect(zsh(path, 'submit', '--', '')).toEqual(['<files>']);
  });
});
