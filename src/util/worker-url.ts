/**
 * URL of a worker_threads entry script. Workers always run compiled JavaScript: when the caller runs
 * from TypeScript sources (vitest imports src/*.ts), the matching file under dist/ is used, so build
 * (`npm run build`) before running tests that start workers.
 */
export function workerUrl(callerMetaUrl: string, relativeJs: string): URL {
  const url = new URL(relativeJs, callerMetaUrl);
  if (!callerMetaUrl.endsWith('.ts')) return url;
  const href = url.href.replace(/\/src\/(?!.*\/src\/)/, '/dist/').replace(/\.ts$/, '.js');
  return new URL(href);
}
