// The worker bundles this file: every workflow eksflow runs is exported from here.
// Provisioning and teardown arrive with the provisioning issue.
export {};
