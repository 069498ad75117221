import { defineSearchAttributeKey } from '@temporalio/common';

/** Search attributes every eksflow run sets, so the Temporal UI and the API can filter runs. */
export const tenantKey = defineSearchAttributeKey('EksflowTenant', 'KEYWORD');
export const environmentKey = defineSearchAttributeKey('EksflowEnvironment', 'KEYWORD');
export const phaseKey = defineSearchAttributeKey('EksflowPhase', 'KEYWORD');

/** Registered on the dev server at start-up (`--search-attribute`) and by `npm start`. */
export const searchAttributeKeys = [tenantKey, environmentKey, phaseKey];
