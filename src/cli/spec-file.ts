import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parse } from 'yaml';
import type { Payload } from './api-client';
import { completeClusterConfig, type LocalOptions } from './cluster-config-local';
import { CliError, exitCodes } from './exit-codes';

/**
 * The request body for a spec file: a `.json` file is an EnvironmentSpec; a `.yaml`/`.yml` file
 * is either an eksctl ClusterConfig, sent as YAML text for the API to translate (so its
 * problems come back at ClusterConfig paths), or an EnvironmentSpec written in YAML, sent as
 * JSON. `-` reads standard input, told apart the same way as YAML (JSON is YAML too).
 */
export async function specPayload(file: string, local: LocalOptions = {}): Promise<Payload> {
  const kind = file === '-' ? '.yaml' : extname(file).toLowerCase();
  if (!['.json', '.yaml', '.yml'].includes(kind)) {
    throw new CliError(`${file}: name the spec file .json (an EnvironmentSpec) or .yaml/.yml (an EnvironmentSpec or an eksctl ClusterConfig)`, exitCodes.refused);
  }
  const text = await readText(file);
  if (kind === '.json') {
    try {
      JSON.parse(text);
    } catch (error) {
      throw new CliError(`${file} is not valid JSON: ${(error as Error).message}`, exitCodes.refused);
    }
    return { contentType: 'application/json', text };
  }
  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    throw new CliError(`${file} is not valid YAML: ${(error as Error).message}`, exitCodes.refused);
  }
  // Keys named by path are read here, on the user's machine: the API never reads paths.
  if (isClusterConfig(document)) return { contentType: 'application/yaml', text: (await completeClusterConfig(text, local)).text };
  if (local.kubernetesVersion !== undefined) throw new CliError('--kubernetes-version is for an eksctl ClusterConfig; in an EnvironmentSpec, set kubernetesVersion', exitCodes.refused);
  return { contentType: 'application/json', text: JSON.stringify(document) };
}

const isClusterConfig = (document: unknown): boolean => {
  const apiVersion = (document as { apiVersion?: unknown } | null)?.apiVersion;
  return typeof apiVersion === 'string' && apiVersion.startsWith('eksctl.io/');
};

async function readText(file: string): Promise<string> {
  try {
    if (file !== '-') return await readFile(file, 'utf8');
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(`cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : (error as Error).message}`, exitCodes.refused);
  }
}

/** The environment a spec file names: an EnvironmentSpec's `name`, a ClusterConfig's `metadata.name`. */
export function specName(payload: Payload): string {
  const parsed = parse(payload.text) as { name?: unknown; kind?: unknown; metadata?: { name?: unknown } } | null;
  const name = parsed?.kind === 'ClusterConfig' ? parsed.metadata?.name : parsed?.name;
  if (typeof name !== 'string' || name === '') throw new CliError('the spec names no environment: give it a name (metadata.name in a ClusterConfig)', exitCodes.refused);
  return name;
}
