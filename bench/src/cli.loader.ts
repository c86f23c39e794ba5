/**
 * The CLI app (@ragops/cli) exports nothing by package name, so the benchmarks load its compiled modules by path:
 * types from its sources (erased at build time), code from apps/cli/dist (run `node scripts/build.mjs` first).
 * bench/src and bench/dist sit at the same depth, so one relative URL serves both.
 */
import type * as Platform from '../../apps/cli/src/platform/all-in-one.platform.js';
import type * as Client from '../../apps/cli/src/gateway.client.js';
import type * as Commands from '../../apps/cli/src/cli.commands.js';
import type * as Loader from '../../apps/cli/src/document.loader.js';

export type { AllInOnePlatform } from '../../apps/cli/src/platform/all-in-one.platform.js';
export type { GatewayClient } from '../../apps/cli/src/gateway.client.js';

const cliDist = (file: string) => new URL(`../../apps/cli/dist/${file}`, import.meta.url).href;

export const loadPlatform = () => import(cliDist('platform/all-in-one.platform.js')) as Promise<typeof Platform>;
export const loadClient = () => import(cliDist('gateway.client.js')) as Promise<typeof Client>;
export const loadCommands = () => import(cliDist('cli.commands.js')) as Promise<typeof Commands>;
export const loadDocumentLoader = () => import(cliDist('document.loader.js')) as Promise<typeof Loader>;

/** Path of the `ragops` command (apps/cli/bin/ragops.js), for running the all-in-one as its own process. */
export const ragopsBin = new URL('../../apps/cli/bin/ragops.js', import.meta.url);

/** The repository root (bench/..). */
export const repoRoot = new URL('../../', import.meta.url);
