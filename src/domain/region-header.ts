/**
 * The header that carries an environment's region from its workflow to each activity it
 * schedules, so every AWS call (and every EKS token) is made in `spec.region`, whichever region
 * the worker was started in. Set by src/workflows/interceptors.ts, read by
 * src/activities/region-scope.ts.
 */
export const regionHeader = 'eksflow-region';

/** The region a workflow's input asks for: a provisioning spec's, or a teardown's own. */
export function regionOfInput(input: unknown): string | undefined {
  const candidate = input as { spec?: { region?: unknown }; region?: unknown } | undefined;
  const region = candidate?.spec?.region ?? candidate?.region;
  return typeof region === 'string' && region.length > 0 ? region : undefined;
}
