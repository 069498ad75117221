import { defaultPayloadConverter, type Headers } from '@temporalio/common';
import type { WorkflowInterceptorsFactory } from '@temporalio/workflow';
import { regionHeader, regionOfInput } from '../domain/region-header';

// Each workflow execution has its own module state in the SDK's sandbox: this is the region
// of the one execution it runs in.
let region: string | undefined;

const withRegion = (headers: Headers): Headers =>
  region === undefined ? headers : { ...headers, [regionHeader]: defaultPayloadConverter.toPayload(region) };

/**
 * The environment's region, read from the workflow's input when it starts (or replays), put on
 * every activity it schedules. Headers are not compared on replay: this changes no command.
 */
export const interceptors: WorkflowInterceptorsFactory = () => ({
  inbound: [{
    execute(input, next) {
      region = regionOfInput(input.args[0]);
      return next(input);
    },
  }],
  outbound: [{
    scheduleActivity: (input, next) => next({ ...input, headers: withRegion(input.headers) }),
    scheduleLocalActivity: (input, next) => next({ ...input, headers: withRegion(input.headers) }),
  }],
});
