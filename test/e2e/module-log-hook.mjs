// `node --import ./module-log-hook.mjs`: appends the URL of every module the process loads to
// the file named by MODULE_LOG (startup.test.ts checks what a command loads).
import { register } from 'node:module';

register(
  `data:text/javascript,${encodeURIComponent(`
import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  appendFileSync(process.env.MODULE_LOG, resolved.url + '\\n');
  return resolved;
}`)}`,
);
