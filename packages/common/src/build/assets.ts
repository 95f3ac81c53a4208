import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * What scripts/package.mjs embeds in a bundle (esbuild `define`): the data files the
 * programs read at run time, and the version and commit it was built from. A packed npm
 * package or a single binary then needs no file beside itself; from the workspace this is
 * absent and files are read from the repository.
 */
declare const WATTPACK_BUNDLE: { version: string; commit: string; assets: Record<string, string> } | undefined;

const bundle = typeof WATTPACK_BUNDLE === 'undefined' ? undefined : WATTPACK_BUNDLE;

/** A data file by its path in the repository, e.g. "proto/wattpack/v1/node.proto". */
export function readAsset(repoPath: string): string {
  if (bundle) {
    const text = bundle.assets[repoPath];
    if (text === undefined) throw new Error(`${repoPath} is not embedded in this build (scripts/package.mjs ASSETS)`);
    return text;
  }
  // dist/build/assets.js and src/build/assets.ts are both four folders below the repository root.
  return readFileSync(fileURLToPath(new URL(`../../../../${repoPath}`, import.meta.url)), 'utf8');
}

/** The version every wattpack package carries (scripts/package.mjs refuses to pack differing ones). */
export function wattpackVersion(): string {
  return bundle ? bundle.version : (JSON.parse(readAsset('packages/common/package.json')) as { version: string }).version;
}

/** What --version prints: "0.1.0 (commit 1a2b3c4)" from a bundle, "0.1.0 (workspace build)" otherwise. */
export function versionText(): string {
  return `${wattpackVersion()} (${bundle ? `commit ${bundle.commit}` : 'workspace build'})`;
}
