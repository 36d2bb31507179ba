import { Validator } from '@seriousme/openapi-schema-validator';
import { expect } from 'chai';
import pino from 'pino';
import type { AppDeps } from '../../api/deps.js';
import { createRouter } from '../../api/routes/index.js';
import { openApiPath } from '../../api/routes/openapi/document.js';
import { getHarness } from '../support/harness.js';
import { startTestApi, type Json, type TestApi } from '../support/api.js';

/** Every (method, OpenAPI path) the API registers, read from the router itself rather than from the document. */
function registeredOperations(): string[] {
  const deps = { ...getHarness(), logger: pino({ level: 'silent' }) } as unknown as AppDeps;
  const operations = new Set<string>();
  for (const layer of createRouter(deps).stack) {
    for (const method of layer.methods) {
      if (method !== 'HEAD' && method !== 'OPTIONS') operations.add(`${method} ${openApiPath(String(layer.path))}`);
    }
  }
  return [...operations].sort();
}

describe('OpenAPI document and docs page', function () {
  let api: TestApi;
  let document: Json;

  before(async () => {
    api = await startTestApi();
    const reply = await api.call('/api/openapi.json');
    expect(reply.status).to.equal(200);
    document = reply.body;
  });

  after(async () => {
    await api?.close();
  });

  it('is a valid OpenAPI 3.1 document by a standard validator', async () => {
    const result = await new Validator().validate(document);
    expect(result.errors ?? [], JSON.stringify(result.errors, null, 2)).to.deep.equal([]);
    expect(result.valid).to.equal(true);
    expect(document.openapi).to.equal('3.1.0');
  });

  it('documents every registered route, and nothing that is not one', () => {
    const documented = Object.entries(document.paths as Record<string, Json>)
      .flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`))
      .sort();
    const registered = registeredOperations();
    expect(registered.length).to.be.above(40);
    expect(documented).to.deep.equal(registered);
  });

  it('carries the very schemas that validate requests: params, query and body with their constraints', () => {
    const login = document.paths['/api/auth/login'].post;
    expect(login.security).to.deep.equal([]);
    const body = login.requestBody.content['application/json'].schema;
    expect(body.required).to.include.members(['email', 'password']);
    expect(body.additionalProperties).to.equal(false);

    const users = document.paths['/api/users'].get;
    const limit = users.parameters.find((parameter: Json) => parameter.name === 'limit');
    expect(limit).to.deep.include({ in: 'query', required: false });
    expect(limit.schema).to.include({ type: 'integer', minimum: 1, maximum: 100 });
    expect(users['x-permission']).to.equal('users:manage');
    expect(users.responses).to.have.keys('2XX', '400', '401', '403', '429', 'default');

    for (const [path, item] of Object.entries(document.paths as Record<string, Json>)) {
      const names = [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]);
      for (const operation of Object.values(item) as Json[]) {
        const inPath = operation.parameters.filter((parameter: Json) => parameter.in === 'path');
        expect(
          inPath.map((parameter: Json) => parameter.name),
          `${path} path parameters`,
        ).to.deep.equal(names);
      }
    }
  });

  it('serves the interactive docs page and its assets without a token, under the default CSP', async () => {
    const page = await api.call('/api/docs');
    expect(page.status).to.equal(200);
    expect(page.headers.get('content-type')).to.match(/^text\/html/);
    expect(page.text).to.include('/api/docs/swagger-ui-bundle.js');
    expect(page.text).not.to.match(/<script>(?!<\/script>)/);
    expect(page.headers.get('content-security-policy')).to.include("script-src 'self'");
    const bundle = await api.call('/api/docs/swagger-ui-bundle.js');
    expect(bundle.status).to.equal(200);
    expect(bundle.headers.get('content-type')).to.match(/javascript/);
    expect(bundle.text.length).to.be.above(100_000);
    const initializer = await api.call('/api/docs/initializer.js');
    expect(initializer.text).to.include("url: '/api/openapi.json'");
    const unknown = await api.call('/api/docs/..%2Fpackage.json');
    expect(unknown.status).to.equal(400);
  });
});
