import { stringify } from 'yaml';

/**
 * JSON of proto objects. proto-loader adds synthetic oneof markers for optional fields
 * (`_exitCode: "exitCode"`); they are not fields, so they are dropped.
 */
export function toJson(value: unknown, opts: { pretty?: boolean } = {}): string {
  return JSON.stringify(value, (key, v: unknown) => (key.startsWith('_') ? undefined : v), opts.pretty === false ? undefined : 2);
}

/** The same document as YAML (kubectl's -o yaml): whatever JSON shows, YAML shows, keys in the same order. */
export function toYaml(value: unknown): string {
  return stringify(JSON.parse(toJson(value)), { lineWidth: 0 }).trimEnd();
}
