import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import { expect } from 'chai';
import { loadConfig } from '../../config/env.js';
import { loadStackConfig } from '../../config/stack.js';
import { startTestApi, type TestApi } from '../support/api.js';
import {
  interpolate,
  MissingVariableError,
  parseComposeFile,
  parseDockerfile,
  parseEnvFile,
  readRepoFile,
  repoPath,
  variablesOf,
  type ComposeFile,
  type ComposeService,
} from './compose-files.js';

/*
 * No Docker engine runs here, so docker-compose.yml is checked the way `docker compose config` checks it: the
 * official Compose Specification schema, vendored from the Go module github.com/compose-spec/compose-go/v2 at
 * v2.16.2 (schema/compose-spec.json, the library Docker Compose itself validates with; reformatted by prettier,
 * content unchanged), applied after interpolation. The other tests cover what a schema cannot see.
 */
const schema = JSON.parse(readRepoFile('tests/deploy/compose-spec.schema.json')) as object;
const rawCompose = parseComposeFile(readRepoFile('docker-compose.yml'));
const example = parseEnvFile(readRepoFile('.env.example'));
const dockerfile = parseDockerfile(readRepoFile('Dockerfile'));

/** .env.example with its empty secrets filled in, as an operator following the README leaves it. */
function filledEnv(): Record<string, string> {
  const env = Object.fromEntries(example);
  for (const { name, required } of variablesOf(rawCompose)) {
    if (required && !env[name]) env[name] = randomBytes(32).toString('hex');
  }
  return env;
}

const compose = interpolate(rawCompose, filledEnv()) as ComposeFile;
const services = Object.entries(compose.services);

/*
 * Strict about unknown keywords; strictTypes off because the schema, valid JSON Schema, leaves `type: "object"`
 * implicit beside `properties` and uses union types, which Ajv's stricter-than-standard mode would only log.
 */
const validateCompose = (() => {
  const validate = new Ajv2020({ allErrors: true, allowUnionTypes: true, strictTypes: false }).compile(schema);
  return (document: unknown): ErrorObject[] => (validate(document) ? [] : [...(validate.errors ?? [])]);
})();

function environmentOf(service: ComposeService): Record<string, string> {
  const entries = Array.isArray(service.environment)
    ? service.environment.map((line) => line.split(/=(.*)/s).slice(0, 2))
    : Object.entries(service.environment ?? {}).map(([key, value]) => [key, value === null ? '' : String(value)]);
  return Object.fromEntries(entries);
}

function dependenciesOf(service: ComposeService): Record<string, string> {
  const dependsOn = service.depends_on ?? [];
  if (Array.isArray(dependsOn)) return Object.fromEntries(dependsOn.map((name) => [name, 'service_started']));
  return Object.fromEntries(Object.entries(dependsOn).map(([name, rule]) => [name, rule.condition ?? '']));
}

/** Services others wait on to exit successfully: one-shot jobs, not servers. */
const jobs = new Set(
  services.flatMap(([, service]) =>
    Object.entries(dependenciesOf(service))
      .filter(([, condition]) => condition === 'service_completed_successfully')
      .map(([name]) => name),
  ),
);
const appImage = compose.services.api!.image!;
const finalStage = dockerfile.at(-1)!;

/** Runs a service's healthcheck command (`CMD node -e …`) with this Node and returns its exit code. */
function runProbe(service: ComposeService, env: Record<string, string>): Promise<number | null> {
  const [form, command, ...args] = service.healthcheck!.test as string[];
  expect([form, command]).to.deep.equal(['CMD', 'node']);
  const child = spawn(process.execPath, args, { cwd: repoPath('.'), env, stdio: 'inherit', timeout: 15_000 });
  return new Promise((resolve) => child.on('exit', (code) => resolve(code)));
}

describe('deployment files (docker-compose.yml, Dockerfile, .env.example)', function () {
  it('is a valid Compose file by the Compose Specification schema', () => {
    const errors = validateCompose(compose);
    expect(errors, JSON.stringify(errors, null, 2)).to.deep.equal([]);
  });

  it('has a validator that does reject what the specification forbids', () => {
    const unknownKey = structuredClone(compose) as { services: Record<string, Record<string, unknown>> };
    unknownKey.services.api!.replicas_please = 2;
    expect(validateCompose(unknownKey).map((error) => error.instancePath)).to.include('/services/api');
    const wrongType = structuredClone(compose) as { services: Record<string, Record<string, unknown>> };
    wrongType.services.worker!.depends_on = { migrate: { condition: 'when_it_feels_like_it' } };
    wrongType.services.api!.stop_grace_period = ['30s'];
    const paths = validateCompose(wrongType).map((error) => error.instancePath);
    expect(paths).to.include('/services/worker/depends_on/migrate/condition');
    expect(paths).to.include('/services/api/stop_grace_period');
  });

  it('depends only on services it defines', () => {
    for (const [name, service] of services) {
      for (const dependency of Object.keys(dependenciesOf(service))) {
        expect(compose.services, `${name} depends on ${dependency}`).to.have.property(dependency);
      }
    }
  });

  it('lists every variable in .env.example and refuses to start while a required one is empty', () => {
    const uses = variablesOf(rawCompose);
    for (const { name } of uses) expect([...example.keys()], name).to.include(name);
    const required = uses.filter((use) => use.required).map((use) => use.name);
    expect(required).to.include.members(['JWT_SECRET', 'CREDENTIALS_KEY', 'POSTGRES_PASSWORD', 'REDIS_PASSWORD']);
    for (const name of required) expect(example.get(name), `${name} ships empty`).to.equal('');
    expect(() => interpolate(rawCompose, Object.fromEntries(example))).to.throw(MissingVariableError);
  });

  it('gives the API, the worker and the migration job an environment our config accepts', () => {
    const api = loadConfig(environmentOf(compose.services.api!));
    expect(api.nodeEnv).to.equal('production');
    expect([api.host, api.port]).to.deep.equal(['0.0.0.0', 3000]);
    expect(api.temporal).to.deep.equal({
      address: 'temporal:7233',
      namespace: 'default',
      taskQueue: 'business-dashboard',
    });
    expect(new URL(api.databaseUrl).host).to.equal('postgres:5432');
    expect(new URL(api.redisUrl).host).to.equal('redis:6379');
    expect(api.oauthApps, 'no sandbox OAuth apps in a deployment').to.deep.equal({});
    const worker = loadConfig(environmentOf(compose.services.worker!));
    expect(worker.worker.metricsAddress).to.equal('0.0.0.0:9464');
    const migrate = loadStackConfig(environmentOf(compose.services.migrate!));
    expect(migrate.external.databaseUrl, 'migrations go to the compose database').to.equal(api.databaseUrl);
    const admin = environmentOf(compose.services['temporal-admin-tools']!);
    expect(admin.TEMPORAL_ADDRESS).to.equal('temporal:7233');
  });

  it('runs the app image as a non-root user', () => {
    const user = finalStage.instructions.filter((step) => step.keyword === 'USER').at(-1)?.args;
    expect(user, 'USER in the final stage').to.be.a('string');
    expect(['root', '0']).not.to.include(user!.split(':')[0]);
    const appServices = services.filter(([, service]) => service.image === appImage || service.build !== undefined);
    expect(appServices.map(([name]) => name)).to.have.members(['migrate', 'worker', 'api']);
    for (const [name, service] of appServices) {
      expect(service.image, name).to.equal(appImage);
      expect(service.user, `${name} keeps the image's user`).to.equal(undefined);
    }
  });

  it('health-checks every long-running service and restarts only those', () => {
    expect([...jobs]).to.have.members(['temporal-schema', 'temporal-create-namespace', 'migrate']);
    for (const [name, service] of services) {
      if (jobs.has(name)) {
        expect(['unless-stopped', 'always'], `${name} exits when done`).not.to.include(service.restart);
        continue;
      }
      expect(service.restart, name).to.equal('unless-stopped');
      expect(service.healthcheck?.disable, name).not.to.equal(true);
      expect(service.healthcheck?.test, `${name} healthcheck`).to.be.an('array').with.length.above(1);
    }
  });

  it('probes the API and the worker with commands that work on this Node', async () => {
    // A real API: its /readyz for the API's probe, its /metrics (Prometheus text, as the worker's exporter serves)
    // for the worker's. Then the same probes against the closed port must fail.
    let api: TestApi | undefined;
    try {
      api = await startTestApi();
      const port = new URL(api.base).port;
      expect(await runProbe(compose.services.api!, { PORT: port })).to.equal(0);
      expect(await runProbe(compose.services.worker!, { WORKER_METRICS_PORT: port })).to.equal(0);
      await api.close();
      api = undefined;
      expect(await runProbe(compose.services.api!, { PORT: port })).to.equal(1);
      expect(await runProbe(compose.services.worker!, { WORKER_METRICS_PORT: port })).to.equal(1);
    } finally {
      await api?.close();
    }
  });

  it('sets Temporal up the current way: temporalio/server, schema by admin-tools, no auto-setup', () => {
    const images = services.map(([, service]) => service.image ?? '');
    expect(images.filter((image) => image.includes('auto-setup'))).to.deep.equal([]);
    const server = compose.services.temporal!;
    const [serverImage, version] = server.image!.split(':');
    expect(serverImage).to.equal('temporalio/server');
    const schemaJob = compose.services['temporal-schema']!;
    expect(dependenciesOf(server)).to.deep.equal({ 'temporal-schema': 'service_completed_successfully' });
    for (const [name, service] of services.filter(([, s]) => s.image?.startsWith('temporalio/admin-tools:'))) {
      expect(service.image, `${name} runs the server's own version`).to.equal(`temporalio/admin-tools:${version}`);
    }
    expect(schemaJob.command).to.deep.equal(['/scripts/setup-postgres.sh']);
    for (const [name, service] of services) {
      for (const volume of service.volumes ?? []) {
        const source = typeof volume === 'string' ? volume.split(':')[0]! : (volume.source ?? '');
        if (source.startsWith('.')) expect(existsSync(repoPath(source)), `${name} mounts ${source}`).to.equal(true);
      }
    }
  });

  it('publishes only the API and the Temporal UI, the UI on loopback', () => {
    const published = services.filter(([, service]) => service.ports?.length).map(([name]) => name);
    expect(published).to.have.members(['api', 'temporal-ui']);
    expect(compose.services['temporal-ui']!.ports).to.deep.equal(['127.0.0.1:8080:8080']);
  });

  it('pins every image, the Node base to the version package.json runs on', () => {
    const images = [...services.map(([, service]) => service.image!), ...dockerfile.map((stage) => stage.from)];
    for (const image of images) {
      const tag = /^[^\s:@]+(?::([\w][\w.-]*))?(?:@sha256:[0-9a-f]{64})?$/.exec(image);
      expect(tag, `${image} is a plain reference`).not.to.equal(null);
      expect(tag![1] ?? '', `${image} has a tag`).to.match(/./);
      expect(tag![1], `${image}`).not.to.equal('latest');
    }
    const { dependencies } = JSON.parse(readRepoFile('package.json')) as { dependencies: Record<string, string> };
    expect(finalStage.from).to.equal(`node:${dependencies.node}-bookworm-slim`);
  });

  it('builds in stages: compiles every source folder, ships production dependencies only', () => {
    expect(dockerfile.length).to.be.at.least(2);
    const build = dockerfile.find((stage) => stage.instructions.some((step) => /\btsc\b/.test(step.args)))!;
    expect(build, 'a stage runs tsc').to.not.equal(undefined);
    const copied = build.instructions.filter((step) => step.keyword === 'COPY').map((step) => step.args.split(' ')[0]);
    const { include } = JSON.parse(readRepoFile('tsconfig.json')) as { include: string[] };
    expect(copied).to.include.members(include.filter((folder) => folder !== 'tests'));
    const copiedModules = finalStage.instructions.find((step) => /node_modules/.test(step.args))!;
    const depsStage = dockerfile.find((stage) => copiedModules.args.includes(`--from=${stage.name} `))!;
    expect(depsStage.instructions.some((step) => /npm ci\b.*--omit=dev/.test(step.args))).to.equal(true);
  });
});
