/**
 * Compiles contracts/FreshTrailAnchor.sol with solc-js and writes the committed artifact
 * contracts/FreshTrailAnchor.json (`npm run build:contract`). The build is deterministic: pinned
 * compiler (the installed solc, recorded in the artifact), pinned EVM version, no metadata hash
 * in the bytecode, and a source name without a path, so contracts/artifact.test.ts can prove the
 * committed artifact is a fresh compile of the committed source.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import solc from 'solc';

export const CONTRACT_NAME = 'FreshTrailAnchor';
export const SOURCE_PATH = join(dirname(fileURLToPath(import.meta.url)), `${CONTRACT_NAME}.sol`);
export const ARTIFACT_PATH = join(dirname(fileURLToPath(import.meta.url)), `${CONTRACT_NAME}.json`);

/**
 * Prague: live on Ethereum and the OP Stack L2s; the contract uses no opcode newer than
 * Shanghai's PUSH0. bytecodeHash 'none' keeps comments and whitespace out of the bytecode
 * (solc still appends its version in CBOR).
 */
export const SETTINGS = {
  optimizer: { enabled: true, runs: 200 },
  evmVersion: 'prague',
  metadata: { bytecodeHash: 'none' },
  outputSelection: { [`${CONTRACT_NAME}.sol`]: { [CONTRACT_NAME]: ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object', 'storageLayout'] } },
} as const;

export interface StorageEntry {
  label: string;
  slot: string;
  offset: number;
  type: string;
}

export interface ContractArtifact {
  contractName: string;
  compiler: string;
  settings: typeof SETTINGS;
  sourceSha256: string;
  abi: unknown[];
  bytecode: string;
  deployedBytecode: string;
  storageLayout: StorageEntry[];
}

interface SolcOutput {
  errors?: { severity: 'error' | 'warning' | 'info'; formattedMessage: string }[];
  contracts?: Record<string, Record<string, { abi: unknown[]; evm: { bytecode: { object: string }; deployedBytecode: { object: string } }; storageLayout: { storage: StorageEntry[] } }>>;
}

export function compileAnchor(source: string = readFileSync(SOURCE_PATH, 'utf8')): ContractArtifact {
  const input = { language: 'Solidity', sources: { [`${CONTRACT_NAME}.sol`]: { content: source } }, settings: SETTINGS };
  const output = JSON.parse((solc.compile as (input: string) => string)(JSON.stringify(input))) as SolcOutput;
  const problems = (output.errors ?? []).filter((e) => e.severity !== 'info');
  // Warnings fail the build too: the committed contract compiles clean.
  if (problems.length > 0) throw new Error(`solc ${solc.version()}:\n${problems.map((e) => e.formattedMessage).join('\n')}`);
  const compiled = output.contracts?.[`${CONTRACT_NAME}.sol`]?.[CONTRACT_NAME];
  if (!compiled) throw new Error(`solc produced no ${CONTRACT_NAME}`);
  return {
    contractName: CONTRACT_NAME,
    compiler: solc.version() as string,
    settings: SETTINGS,
    sourceSha256: createHash('sha256').update(source, 'utf8').digest('hex'),
    abi: compiled.abi,
    bytecode: `0x${compiled.evm.bytecode.object}`,
    deployedBytecode: `0x${compiled.evm.deployedBytecode.object}`,
    storageLayout: compiled.storageLayout.storage.map(({ label, slot, offset, type }) => ({ label, slot, offset, type })),
  };
}

export function artifactJson(artifact: ContractArtifact): string {
  return `${JSON.stringify(artifact, null, 2)}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const artifact = compileAnchor();
  writeFileSync(ARTIFACT_PATH, artifactJson(artifact));
  process.stdout.write(`${ARTIFACT_PATH}: ${artifact.compiler}, ${(artifact.deployedBytecode.length - 2) / 2} bytes deployed\n`);
}
