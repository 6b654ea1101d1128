import { BENCHMARKS } from '../../bench/index.js';
import { printReport } from '../../bench/report.js';
import { parseCommandArgs, print, UsageError } from '../args.js';

function usage(): string {
  const lines = Object.entries(BENCHMARKS).map(([name, b]) => `  ${name.padEnd(10)} ${b.summary}`);
  return `usage: freshtrail bench NAME|all\n\nPrints one JSON object per line: {"bench","metric","value","unit",...context}.\n\n${lines.join('\n')}`;
}

export async function benchCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {}, usage());
  if (values.help) return print(usage()), 0;
  const [name] = positionals;
  if (!name) throw new UsageError(usage());
  const names = name === 'all' ? Object.keys(BENCHMARKS) : [name];
  for (const n of names) {
    const bench = BENCHMARKS[n];
    if (!bench) throw new UsageError(`unknown benchmark "${n}"\n\n${usage()}`);
    await bench.run(printReport);
  }
  return 0;
}
