import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Router, type Layer } from '@koa/router';
import { emptyQuery, validate, validated } from '../../validation.js';
import { buildOpenApiDocument, routeOperations, type OpenApiDocument } from './document.js';
import { docsAssetParams, docsInitializer, docsPage, SWAGGER_UI_ASSETS } from './docs-page.js';

const require = createRequire(import.meta.url);
const swaggerUiDir = dirname(require.resolve('swagger-ui-dist/package.json'));

/** The project's version, from the package.json npm runs us from (the build output has none of its own). */
function projectVersion(): string {
  try {
    const manifest = JSON.parse(readFileSync(join(process.cwd(), 'package.json'), 'utf8')) as { version?: string };
    return manifest.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/**
 * GET /api/openapi.json (the document, generated from the route table on first request) and GET /api/docs (Swagger
 * UI from the `swagger-ui-dist` package, served from here so the page works offline and under a strict CSP).
 */
export function openApiRouter(routeTable: () => readonly Layer[]): Router {
  const router = new Router({ prefix: '/api' });
  let document: OpenApiDocument | null = null;
  const assets = new Map<string, Buffer>();

  router.get('/openapi.json', validate({ query: emptyQuery }), (ctx) => {
    document ??= buildOpenApiDocument(routeOperations(routeTable()), projectVersion());
    ctx.set('Cache-Control', 'no-cache');
    ctx.body = document;
  });

  router.get('/docs', validate({ query: emptyQuery }), (ctx) => {
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = docsPage();
  });

  router.get('/docs/:asset', validate({ params: docsAssetParams, query: emptyQuery }), (ctx) => {
    const { asset } = validated<{ asset: string }>(ctx, 'params');
    if (asset === 'initializer.js') {
      ctx.type = 'application/javascript';
      ctx.body = docsInitializer();
      return;
    }
    let content = assets.get(asset);
    if (!content) {
      content = readFileSync(join(swaggerUiDir, asset));
      assets.set(asset, content);
    }
    ctx.type = SWAGGER_UI_ASSETS[asset as keyof typeof SWAGGER_UI_ASSETS];
    ctx.set('Cache-Control', 'public, max-age=86400');
    ctx.body = content;
  });
  return router;
}
