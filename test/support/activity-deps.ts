import type { ActivityDeps } from '../../src/activities';
import { awsActivityDeps } from '../../src/activities/aws/clients';
import { binaryHelm, type ChartRef } from '../../src/activities/helm';
import { buildahBuilder } from '../../src/activities/image-build';
import { skopeoCopier, type ImageDestination } from '../../src/activities/image-import';
import { kubeconfigAccess } from '../../src/activities/kube-access';
import { realChartArgs } from './charts';
import type { Moto } from './moto';
import type { Registry } from './registry';
import { toolPath } from './tools';

/**
 * The activities' real dependencies, pointed at the test bed: AWS APIs on moto, the cluster
 * through the control plane's kubeconfig, each catalog chart from its real package (unless
 * `chartArgs` adds a test's overlay), and images pushed to the local registry (moto
 * keeps ECR repositories but cannot store layers).
 */
export function testActivityDeps({ aws, kubeconfigPath, registry, chartArgs = realChartArgs, buildContextDir, gitProtocols }: {
  aws: Moto; kubeconfigPath?: string; registry?: Registry; chartArgs?: (chart: ChartRef) => string[];
  /** Given: images are built with the real buildah, contexts and logs kept here. */
  buildContextDir?: string;
  gitProtocols?: string[];
}): ActivityDeps {
  const kube = kubeconfigAccess(kubeconfigPath ?? '/nonexistent-kubeconfig');
  return {
    ...awsActivityDeps(aws.clientConfig),
    kube,
    copier: skopeoCopier({ skopeo: toolPath('skopeo'), insecureRegistries: registry ? [registry.host] : [] }),
    helm: binaryHelm({ kube, binary: toolPath('helm'), chartArgs }),
    ...(registry ? { imageDestination: registryDestination(registry) } : {}),
    ...(buildContextDir ? { buildContextDir, builder: buildahBuilder({ buildah: toolPath('buildah'), insecureRegistries: registry ? [registry.host] : [] }) } : {}),
    ...(gitProtocols ? { gitProtocols } : {}),
    // The test bed's apiserver answers before any run starts, on an AWS-paced clock: eksctl's
    // six looks 20 s apart would add 100 s of sleeping to every run. Twice, 100 ms apart.
    kubeApiReadiness: { successes: 2, intervalMs: 100 },
  };
}

export function registryDestination(registry: Registry): ImageDestination {
  return {
    reference: (repository, tag) => `${registry.host}/${repository.name}:${tag}`,
    login: async () => undefined,
    async digest(repository, tag) {
      const response = await fetch(`http://${registry.host}/v2/${repository.name}/manifests/${tag}`, {
        method: 'HEAD',
        headers: { accept: 'application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.v2+json' },
      });
      return response.ok ? response.headers.get('docker-content-digest') ?? undefined : undefined;
    },
  };
}
