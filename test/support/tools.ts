export { toolPath, versions, type Tool } from '../../src/dev/local-tools';
