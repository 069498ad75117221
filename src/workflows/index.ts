// The worker bundles this file: every workflow eksflow runs is exported from here.
export { provisionEnvironment, type ProvisionInput, type ProvisionResult } from './provision-environment';
export { progressQuery } from './messages';
