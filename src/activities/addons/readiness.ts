import { ApiextensionsV1Api, ApiregistrationV1Api, AppsV1Api, DiscoveryV1Api, type KubeConfig, type V1Condition } from '@kubernetes/client-node';
import type { ReadinessGate } from '../../domain/addon-catalog';
import type { EksApi } from '../aws/eks';
import { kubeCall, kubeOrUndefined } from '../kube-calls';
import type { AddonReadiness, GateReport } from './addon-module';

const conditionTrue = (conditions: V1Condition[] | { type: string; status: string }[] | undefined, type: string) =>
  conditions?.some((c) => c.type === type && c.status === 'True') ?? false;

/** One look at each gate; ready when every gate that is not advisory holds. */
export async function checkGates(config: KubeConfig, gates: readonly ReadinessGate[], eks?: Pick<EksApi, 'describeAddon'>, cluster?: string): Promise<AddonReadiness> {
  const reports = await Promise.all(gates.map((gate) => checkGate(config, gate, eks, cluster)));
  return { ready: reports.every((report, i) => report.ok || isAdvisory(gates[i]!)), gates: reports };
}

const isAdvisory = (gate: ReadinessGate) => gate.kind === 'apiservice-available' && gate.advisory;

async function checkGate(config: KubeConfig, gate: ReadinessGate, eks: Pick<EksApi, 'describeAddon'> | undefined, cluster: string | undefined): Promise<GateReport> {
  const missing = (gateName: string, what: string): GateReport => ({ gate: gateName, ok: false, detail: `${what} does not exist yet` });
  switch (gate.kind) {
    case 'deployment-available': {
      const name = `deployment ${gate.namespace}/${gate.name} available`;
      const deployment = await kubeOrUndefined(`read Deployment ${gate.namespace}/${gate.name}`, () => config.makeApiClient(AppsV1Api).readNamespacedDeployment({ name: gate.name, namespace: gate.namespace }));
      if (!deployment) return missing(name, 'the Deployment');
      const want = deployment.spec?.replicas ?? 1;
      const available = deployment.status?.availableReplicas ?? 0;
      const current = (deployment.status?.observedGeneration ?? 0) >= (deployment.metadata?.generation ?? 0);
      return { gate: name, ok: current && available >= want && conditionTrue(deployment.status?.conditions as V1Condition[] | undefined, 'Available'), detail: `${available}/${want} replicas available` };
    }
    case 'daemonset-ready': {
      const name = `daemonset ${gate.namespace}/${gate.name} ready`;
      const daemonSet = await kubeOrUndefined(`read DaemonSet ${gate.namespace}/${gate.name}`, () => config.makeApiClient(AppsV1Api).readNamespacedDaemonSet({ name: gate.name, namespace: gate.namespace }));
      if (!daemonSet) return missing(name, 'the DaemonSet');
      const desired = daemonSet.status?.desiredNumberScheduled ?? 0;
      const ready = daemonSet.status?.numberReady ?? 0;
      const updated = daemonSet.status?.updatedNumberScheduled ?? 0;
      const current = (daemonSet.status?.observedGeneration ?? 0) >= (daemonSet.metadata?.generation ?? 0);
      // A DaemonSet with no node to run on is not ready: its logs or metrics would go nowhere.
      return { gate: name, ok: current && desired > 0 && ready >= desired && updated >= desired, detail: `${ready}/${desired} pods ready${desired === 0 ? ' (no node to run on)' : ''}` };
    }
    case 'service-endpoints-ready': {
      const name = `service ${gate.namespace}/${gate.name} has ready endpoints`;
      const slices = await kubeCall(`list EndpointSlices of ${gate.namespace}/${gate.name}`, () => config.makeApiClient(DiscoveryV1Api).listNamespacedEndpointSlice({
        namespace: gate.namespace, labelSelector: `kubernetes.io/service-name=${gate.name}`,
      }));
      const ready = slices.items.flatMap((slice) => slice.endpoints ?? []).filter((endpoint) => endpoint.conditions?.ready === true).length;
      return { gate: name, ok: ready > 0, detail: ready > 0 ? `${ready} ready endpoint${ready === 1 ? '' : 's'}` : 'no ready endpoints: a webhook there would refuse requests' };
    }
    case 'apiservice-available': {
      const name = `APIService ${gate.name} available`;
      const service = await kubeOrUndefined(`read APIService ${gate.name}`, () => config.makeApiClient(ApiregistrationV1Api).readAPIService({ name: gate.name }));
      if (!service) return missing(name, 'the APIService');
      const available = service.status?.conditions?.find((c) => c.type === 'Available');
      return { gate: name, ok: available?.status === 'True', detail: available?.status === 'True' ? 'Available' : `not Available${available?.reason ? `: ${available.reason}` : ''}` };
    }
    case 'crd-established': {
      const name = `CRD ${gate.name} established`;
      const crd = await kubeOrUndefined(`read CRD ${gate.name}`, () => config.makeApiClient(ApiextensionsV1Api).readCustomResourceDefinition({ name: gate.name }));
      if (!crd) return missing(name, 'the CRD');
      const established = conditionTrue(crd.status?.conditions, 'Established');
      return { gate: name, ok: established, detail: established ? 'Established' : 'not yet Established' };
    }
    case 'eks-addon-active': {
      const name = `EKS add-on ${gate.addonName} ACTIVE`;
      if (!eks || !cluster) return { gate: name, ok: false, detail: 'no EKS client to ask' };
      const addon = await eks.describeAddon(cluster, gate.addonName);
      return { gate: name, ok: addon?.status === 'ACTIVE', detail: addon ? `${addon.status}${addon.issues.length ? `: ${addon.issues.join('; ')}` : ''}` : 'not created yet' };
    }
  }
}
