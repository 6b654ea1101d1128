/**
 * Runs the `freshtrail` CLI from the TypeScript sources, for tests that need a real separate
 * process (kill tests, exit codes) without a build: `node --import tsx test/support/freshtrail-cli.ts …`.
 */
import { main } from '../../cli/main.js';

process.exitCode = await main(process.argv.slice(2));
