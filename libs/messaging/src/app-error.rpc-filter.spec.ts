import { describe, expect, it } from '@jest/globals';
import type { ArgumentsHost } from '@nestjs/common';
import { AppError } from '@ragops/contracts';
import { firstValueFrom } from 'rxjs';
import { AppErrorRpcFilter } from './app-error.rpc-filter.js';
import { InProcessContext } from './in-process.context.js';
import { INTERNAL_MESSAGE } from './wire-error.js';

function host(pattern: string): ArgumentsHost {
  const args = [{}, new InProcessContext([pattern, undefined])];
  return { getArgByIndex: (i: number) => args[i], getArgs: () => args, getType: () => 'rpc' } as unknown as ArgumentsHost;
}

async function thrownBy(filter: AppErrorRpcFilter, exception: unknown): Promise<unknown> {
  try {
    await firstValueFrom(filter.catch(exception, host('ragops.v1.retrieval.search')));
  } catch (err) {
    return err;
  }
  throw new Error('the filter must return an erroring Observable');
}

describe('AppErrorRpcFilter', () => {
  it('throws the plain wire form of an AppError (JSON-safe: no Error instance)', async () => {
    const logged: unknown[] = [];
    const filter = new AppErrorRpcFilter({ error: (...a: unknown[]) => logged.push(a) });
    const err = await thrownBy(filter, new AppError('UNKNOWN_INDEX', 'no index v9', { index: 'v9' }));
    expect(err).toEqual({ code: 'UNKNOWN_INDEX', message: 'no index v9', details: { index: 'v9' } });
    expect(err).not.toBeInstanceOf(Error);
    expect(JSON.parse(JSON.stringify(err))).toEqual(err);
    expect(logged).toEqual([]);
  });

  it('hides an unexpected error behind INTERNAL and logs it with the subject', async () => {
    const logged: unknown[][] = [];
    const filter = new AppErrorRpcFilter({ error: (...a: unknown[]) => logged.push(a) });
    const err = await thrownBy(filter, new TypeError("Cannot read properties of undefined (reading 'secret')"));
    expect(err).toEqual({ code: 'INTERNAL', message: INTERNAL_MESSAGE });
    expect(String(logged[0]![0])).toContain('ragops.v1.retrieval.search');
    expect(String(logged[0]![1])).toContain('secret');
  });
});
