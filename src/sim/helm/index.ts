export { applyObjects, removeObjects } from './apply-objects';
export { catalogEntryForChart, inInstallOrder, managedAddonObjects, releaseObjects } from './chart-objects';
export { createSimHelm, type SimHelmOptions } from './sim-helm';
