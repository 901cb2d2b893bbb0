import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import pino from 'pino';
import { createApp, type AppDeps } from '../../src/fhir/app';
import { findHomeDir } from '../../src/config';

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/** Every method+path the Express app really serves, in OpenAPI's {param} form. */
function servedRoutes(): string[] {
  const app = createApp({ log: pino({ level: 'silent' }), keyring: { authenticate: () => undefined } } as unknown as AppDeps);
  const routes: string[] = [];
  const walk = (stack: Layer[]) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const method of Object.keys(layer.route.methods)) {
          routes.push(`${method.toLowerCase()} ${layer.route.path.replace(/:(\w+)/g, '{$1}')}`);
        }
      } else if (layer.handle?.stack) {
        walk(layer.handle.stack);
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack);
  return routes;
}

test('openapi.yaml describes every route the app serves, and nothing it does not', () => {
  const spec = parseYaml(fs.readFileSync(path.join(findHomeDir(), 'openapi.yaml'), 'utf8')) as { paths: Record<string, Record<string, unknown>> };
  const described = Object.entries(spec.paths).flatMap(([p, item]) =>
    Object.keys(item).filter((k) => ['get', 'post', 'put', 'delete', 'patch'].includes(k)).map((m) => `${m} ${p}`),
  );
  const served = servedRoutes();
  expect(served.length).toBeGreaterThan(5);
  expect(served.filter((r) => !described.includes(r))).toEqual([]);
  expect(described.filter((r) => !served.includes(r))).toEqual([]);
});
