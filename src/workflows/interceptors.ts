import { defaultPayloadConverter, type Headers } from '@temporalio/common';
import type { WorkflowInterceptorsFactory } from '@temporalio/workflow';
import { regionHeader, regionOfInput } from '../domain/region-header';
import { activitySummary } from './summaries';

// Each workflow execution has its own module state in the SDK's sandbox: this is the region
// of the one execution it runs in.
let region: string | undefined;

const withRegion = (headers: Headers): Headers =>
  region === undefined ? headers : { ...headers, [regionHeader]: defaultPayloadConverter.toPayload(region) };

/**
 * The environment's region, read from the workflow's input when it starts (or replays), put on
 * every activity it schedules, with a summary of what it does. Headers and summaries are not
 * compared on replay: this changes no command.
 */
export const interceptors: WorkflowInterceptorsFactory = () => ({
  inbound: [{
    execute(input, next) {
      region = regionOfInput(input.args[0]);
      return next(input);
    },
  }],
  outbound: [{
    // The summary the Temporal UI shows for the activity (user metadata: not compared on replay).
    scheduleActivity: (input, next) => next({
      ...input, headers: withRegion(input.headers), options: { ...input.options, summary: input.options.summary ?? activitySummary(input.activityType, input.args) },
    }),
    scheduleLocalActivity: (input, next) => next({ ...input, headers: withRegion(input.headers) }),
  }],
});
