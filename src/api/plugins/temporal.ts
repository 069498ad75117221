import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { randomUUID } from 'node:crypto';
import { Client, isGrpcServiceError, WorkflowUpdateStage } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import { status } from '@grpc/grpc-js';
import { searchAttributeKeys } from '../../domain/search-attributes';

export interface TemporalOptions {
  /** The routes use a client over its connection, in its namespace, with its data converter. */
  client: Client;
  /** Where eksflow's worker listens. */
  taskQueue: string;
  /** Base URL of the Temporal Web UI, for the links the API hands out. */
  uiUrl: string;
  /** Close the client's connection when the API closes: set when the API made it. @default false */
  ownsConnection?: boolean;
}

export interface TemporalAccess {
  client: Client;
  taskQueue: string;
  namespace: string;
  /** The UI page of one workflow. */
  uiLink(workflowId: string, runId?: string): string;
  /**
   * Whether the namespace has eksflow's search attributes: without them (the time-skipping
   * test server has none) runs start without them and listing is unavailable. Asked once
   * Temporal has answered, then remembered.
   */
  searchable(): Promise<boolean>;
  /**
   * Sends an update and returns once the run has accepted it, or with the reason its
   * validator refused it (a refusal is never stored by Temporal, so it is caught on arrival).
   */
  startUpdate<Args extends [unknown, ...unknown[]]>(workflowId: string, update: UpdateDefinition<unknown, Args>, args: Args): Promise<{ updateId: string; refusal?: string }>;
}

declare module 'fastify' {
  interface FastifyInstance {
    temporal: TemporalAccess;
  }
}

export default fp<TemporalOptions>(async (fastify: FastifyInstance, { client: given, taskQueue, uiUrl, ownsConnection = false }) => {
  const namespace = given.options.namespace;
  // The caller's client, plus an interceptor that keeps what an update's first answer said.
  const refusals = new Map<string, string>();
  const client = new Client({
    connection: given.connection, namespace, dataConverter: given.options.dataConverter,
    interceptors: {
      workflow: [{
        async startUpdate(input, next) {
          const output = await next(input);
          if (output.outcome?.failure) refusals.set(output.updateId, output.outcome.failure.message ?? 'the run refused the request');
          return output;
        },
      }],
    },
  });
  let known: Promise<boolean> | undefined;
  const access: TemporalAccess = {
    client, taskQueue, namespace,
    searchable: () => (known ??= hasSearchAttributes(client, namespace).then((has) => {
      if (!has) fastify.log.warn({ namespace }, 'eksflow search attributes are not registered: runs start without them and GET /v1/environments is unavailable');
      return has;
    }, (error: unknown) => {
      known = undefined;
      throw error;
    })),
    async startUpdate(workflowId, update, args) {
      const updateId = randomUUID();
      try {
        await client.workflow.getHandle(workflowId).startUpdate(update, { args, updateId, waitForStage: WorkflowUpdateStage.ACCEPTED });
        const refusal = refusals.get(updateId);
        return { updateId, ...(refusal !== undefined ? { refusal } : {}) };
      } finally {
        refusals.delete(updateId);
      }
    },
    uiLink: (workflowId, runId) => `${uiUrl.replace(/\/$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}${runId ? `/${encodeURIComponent(runId)}` : ''}`,
  };
  fastify.decorate('temporal', access);
  if (ownsConnection) fastify.addHook('onClose', async () => client.connection.close());
}, { name: 'temporal' });

async function hasSearchAttributes(client: Client, namespace: string): Promise<boolean> {
  try {
    const { customAttributes } = await client.connection.withDeadline(Date.now() + 5_000, () => client.connection.operatorService.listSearchAttributes({ namespace }));
    return searchAttributeKeys.every((key) => customAttributes?.[key.name] !== undefined);
  } catch (error) {
    // The test server has no operator service: runs still work there, listing does not.
    if (isGrpcServiceError(error) && error.code === status.UNIMPLEMENTED) return false;
    throw error;
  }
}
