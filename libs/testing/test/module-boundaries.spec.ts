import { describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { ESLint } from 'eslint';

const root = join(import.meta.dirname, '../../..');
const eslint = new ESLint({ cwd: root });

async function restricted(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(root, filePath) });
  return result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('module boundaries are enforced by lint (eslint.config.js, from each project’s nx.tags)', () => {
  it('a domain lib may not import Nest, NATS, I/O or an adapter', async () => {
    const code = [
      "import { Injectable } from '@nestjs/common';",
      "import { connect } from '@nats-io/transport-node';",
      "import { readFileSync } from 'node:fs';",
      "import { MemoryVectorStore } from '@ragops/vector-store';",
      'export const x = [Injectable, connect, readFileSync, MemoryVectorStore];',
    ].join('\n');
    const messages = await restricted('libs/search/src/probe.ts', code);
    expect(messages).toHaveLength(4);
    expect(messages.join('\n')).toMatch(/type:domain code is pure/);
    expect(messages.join('\n')).toMatch(/may not import @ragops\/vector-store/);
  });

  it('a domain lib may import contracts and other domain libs', async () => {
    const code = "import { AppError } from '@ragops/contracts';\nimport { createAnalyzer } from '@ragops/text';\nexport const x = [AppError, createAnalyzer];";
    expect(await restricted('libs/search/src/probe.ts', code)).toEqual([]);
  });

  it('production code may not import the testing lib; an adapter may not import a service', async () => {
    expect(await restricted('services/retrieval/src/probe.ts', "import { testContext } from '@ragops/testing';\nexport const x = testContext;")).toHaveLength(1);
    expect(await restricted('libs/messaging/src/probe.ts', "import { GatewayModule } from '@ragops/gateway';\nexport const x = GatewayModule;")).toHaveLength(1);
  });

  it('specs may import test doubles', async () => {
    expect(await restricted('services/retrieval/src/probe.spec.ts', "import { testContext } from '@ragops/testing';\nexport const x = testContext;")).toEqual([]);
  });
});
