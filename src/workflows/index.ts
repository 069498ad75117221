// The worker bundles this file: every workflow eksflow runs is exported from here.
export { provisionEnvironment, type ProvisionInput, type ProvisionResult } from './provision-environment';
export { teardownEnvironment, type TeardownInput, type TeardownReport } from './teardown-environment';
export { progressQuery } from './messages';
