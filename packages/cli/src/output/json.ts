/**
 * JSON of proto objects. proto-loader adds synthetic oneof markers for optional fields
 * (`_exitCode: "exitCode"`); they are not fields, so they are dropped.
 */
export function toJson(value: unknown, opts: { pretty?: boolean } = {}): string {
  return JSON.stringify(value, (key, v: unknown) => (key.startsWith('_') ? undefined : v), opts.pretty === false ? undefined : 2);
}
