// Lint, including module boundaries. Each workspace's package.json `nx.tags` declares its type; the allowed
// dependency directions below (like Nx depConstraints) are turned into `no-restricted-imports` per project,
// so a domain lib importing NATS, Nest or an adapter fails lint instead of relying on review.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const root = import.meta.dirname;
const projects = ['libs', 'services', 'apps']
  .flatMap((top) => (existsSync(join(root, top)) ? readdirSync(join(root, top)).map((d) => join(top, d)) : []))
  .filter((dir) => existsSync(join(root, dir, 'package.json')))
  .map((dir) => {
    const pkg = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'));
    const type = (pkg.nx?.tags ?? []).find((t) => t.startsWith('type:'))?.slice(5);
    if (!type) throw new Error(`${dir}/package.json needs an nx tag type:*`);
    return { dir, name: pkg.name, type };
  });

/** Which project types each type may import. */
const allowed = {
  contract: ['contract'],
  domain: ['contract', 'domain'],
  adapter: ['contract', 'domain', 'adapter'],
  service: ['contract', 'domain', 'adapter'],
  app: ['contract', 'domain', 'adapter', 'service'],
  testing: ['contract', 'domain', 'adapter', 'service', 'testing'],
};
/** Transport, vendor-client and I/O modules that pure code must not touch. */
const ioModules = [
  '@nestjs/*', '@nats-io/*', 'nats', 'fastify', '@fastify/*', 'ioredis', 'openai', '@qdrant/*', 'pino', 'prom-client',
  '@opentelemetry/*', 'rxjs', 'node:fs', 'node:fs/*', 'node:net', 'node:http', 'node:https', 'node:child_process',
  'fs', 'net', 'http', 'https', 'child_process',
];

function restrictionsFor(type) {
  const forbiddenProjects = projects.filter((p) => !allowed[type].includes(p.type)).map((p) => p.name);
  const paths = forbiddenProjects.map((name) => ({ name, message: `a type:${type} project may not import ${name}` }));
  const patterns = [{ group: ['../../*', '../../../*/src/*'], message: 'import other projects by package name' }];
  if (type === 'contract' || type === 'domain') {
    patterns.push({ group: ioModules, message: `type:${type} code is pure: no transport, vendor client or I/O` });
  }
  return ['error', { paths, patterns }];
}

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '.tools/**', 'coverage/**', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // consistent-type-imports stays off: Nest DI needs constructor parameter types imported as values.
      'no-console': 'off',
    },
  },
  ...projects.map((p) => ({
    files: [`${p.dir}/src/**/*.ts`],
    ignores: [`${p.dir}/src/**/*.spec.ts`],
    rules: { 'no-restricted-imports': restrictionsFor(p.type) },
  })),
);
