import { ApplicationFailure } from '@temporalio/common';
import type { ResolvedAddon } from '../../domain/addon-catalog';
import { errorTypes } from '../../domain/errors';
import type { AddonContext, AddonFactory, AddonModule, AddonTools } from './addon-module';
import { checkGates } from './readiness';

/** helm's own wait; the add-on's gates are checked after, by the workflow's poll. */
const helmTimeoutSeconds = 300;

export interface HelmAddonOptions {
  /** The chart values, complete, from the environment. */
  values(context: AddonContext, addon: ResolvedAddon): Record<string, unknown>;
  /**
   * What the chart needs in place before its objects are made and cannot be told by a value
   * (an IRSA annotation the chart has no value for, say); runs before every helm upgrade --install.
   */
  beforeInstall?(tools: AddonTools, context: AddonContext, addon: ResolvedAddon): Promise<string | undefined>;
  /** Objects the chart does not make (an admin binding, a log group), after the release. */
  afterInstall?(tools: AddonTools, context: AddonContext, addon: ResolvedAddon): Promise<string | undefined>;
  /** Undoes afterInstall, before the release goes. */
  beforeUninstall?(tools: AddonTools, context: AddonContext, addon: ResolvedAddon): Promise<void>;
}

/** An add-on installed as a pinned Helm chart: `helm upgrade --install`, gates, `helm uninstall`. */
export function helmAddon(options: HelmAddonOptions): AddonFactory {
  return (tools, addon): AddonModule => {
    const { install } = addon;
    if (install.method !== 'helm') throw ApplicationFailure.nonRetryable(`${addon.name} is not a Helm chart here (${install.method})`, errorTypes.invalidPlan);
    const release = { release: install.release, namespace: addon.namespace };
    return {
      async install(context) {
        const prepared = await options.beforeInstall?.(tools, context, addon);
        const installed = await tools.helm.helmUpgradeInstall({
          cluster: context.cluster, ...release, chart: install.chart, values: options.values(context, addon), timeoutSeconds: helmTimeoutSeconds, owner: context.owner,
        });
        const extra = await options.afterInstall?.(tools, context, addon);
        return {
          summary: `helm ${install.chart.name} ${install.chart.version} revision ${installed.revision} ${installed.status}${installed.adopted ? ' (adopted: not made by this run)' : ''}${[prepared, extra].filter(Boolean).map((said) => `; ${said}`).join('')}`,
          adopted: installed.adopted === true,
        };
      },
      async isReady(context) {
        return checkGates(await tools.kube.forCluster(context.cluster), addon.readiness, tools.eks, context.cluster);
      },
      async uninstall(context) {
        await options.beforeUninstall?.(tools, context, addon);
        return tools.helm.helmUninstall({ cluster: context.cluster, ...release, timeoutSeconds: helmTimeoutSeconds });
      },
    };
  };
}

/** The ServiceAccount values most charts share: made by the chart, bound to the IRSA role. */
export function irsaServiceAccount(context: AddonContext, name: string): { create: true; name: string; annotations: Record<string, string> } {
  return { create: true, name, annotations: context.roleArn ? { 'eks.amazonaws.com/role-arn': context.roleArn } : {} };
}
