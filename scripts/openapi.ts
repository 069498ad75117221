// Writes openapi.json, the API's OpenAPI document, at the repository's root; with --check,
// only says whether the committed one is still what the code generates (exit 1 when not).
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import Fastify from 'fastify';
import { Client, Connection } from '@temporalio/client';
import app from '../src/api/app';

/** The committed document. */
export const openapiPath = fileURLToPath(new URL('../openapi.json', import.meta.url));

/**
 * The document the API serves at /docs/json, as it is committed: 2-space JSON and a newline.
 * Read through the route because @fastify/swagger's `swagger()` decorates the app's own
 * (encapsulated) instance, not the one it is registered on.
 */
export async function openapiDocument(): Promise<string> {
  // Documenting needs no Temporal: the client is lazy, points where nothing listens, and is never called.
  const connection = await Connection.lazy({ address: '127.0.0.1:1', connectTimeout: 200 });
  const api = Fastify();
  try {
    await api.register(app, { temporal: new Client({ connection }) });
    const response = await api.inject({ method: 'GET', url: '/docs/json' });
    if (response.statusCode !== 200) throw new Error(`GET /docs/json answered ${response.statusCode}: ${response.body}`);
    return `${JSON.stringify(response.json(), null, 2)}\n`;
  } finally {
    await api.close();
    await connection.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const generated = await openapiDocument();
  if (process.argv.includes('--check')) {
    const committed = await readFile(openapiPath, 'utf8').catch(() => undefined);
    if (committed !== generated) {
      console.error(`openapi.json is stale: run npm run openapi${committed === undefined ? ' (there is no openapi.json)' : ''}`);
      process.exitCode = 1;
    } else {
      console.log('openapi.json is up to date');
    }
  } else {
    await writeFile(openapiPath, generated);
    console.log(`wrote ${openapiPath}`);
  }
}
