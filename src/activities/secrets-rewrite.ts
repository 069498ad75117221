import { CoreV1Api, type V1Secret } from '@kubernetes/client-node';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { kubeCall, kubeConflict, kubeFailure, kubeNotFound, kubeOrUndefined } from './kube-calls';
import type { KubeAccess } from './nodes-ready';

/**
 * Once EKS encrypts Secrets with a KMS key (AssociateEncryptionConfig), only Secrets written
 * after that are encrypted: the API server encrypts on write. eksctl's
 * `utils enable-secrets-encryption` therefore rewrites every Secret (its --encrypt-existing-secrets,
 * on by default, does `kubectl get secrets --all-namespaces -o json | kubectl replace -f -`), and
 * so does this: each Secret replaced as it is, a page at a time, heartbeating.
 */
export interface RewriteSecretsResult {
  /** Secrets written back (and so encrypted with the new key). */
  rewritten: number;
  /** Secrets deleted between the list and their rewrite: nothing of theirs is left unencrypted. */
  gone: number;
}

/** Secrets a page: the API server's lists are paged (limit and continue), as kubectl's are. */
const pageSize = 200;

export function createSecretsRewriteActivities(kube: KubeAccess) {
  async function rewriteSecrets(input: { cluster: string }): Promise<RewriteSecretsResult> {
    const core = (await kube.forCluster(input.cluster)).makeApiClient(CoreV1Api);
    const result: RewriteSecretsResult = { rewritten: 0, gone: 0 };
    let next: string | undefined;
    do {
      const page = await kubeCall('list secrets in all namespaces', () => core.listSecretForAllNamespaces({ limit: pageSize, ...(next ? { _continue: next } : {}) }));
      for (const secret of page.items) {
        await rewrite(core, secret, result);
        Context.current().heartbeat(result);
      }
      next = page.metadata?._continue || undefined;
    } while (next);
    return result;
  }

  /** The Secret replaced as read; one changed since (409) is read again and replaced, since it must be written anyway. */
  async function rewrite(core: CoreV1Api, secret: V1Secret, result: RewriteSecretsResult): Promise<void> {
    const { name, namespace } = secret.metadata as { name: string; namespace: string };
    let current: V1Secret | undefined = secret;
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await core.replaceNamespacedSecret({ name, namespace, body: current });
        result.rewritten++;
        return;
      } catch (error) {
        if (!kubeNotFound(error) && !kubeConflict(error)) throw kubeFailure(error, `replace secret ${namespace}/${name}`);
      }
      current = await kubeOrUndefined(`read secret ${namespace}/${name}`, () => core.readNamespacedSecret({ name, namespace }));
      if (!current) {
        result.gone++;
        return;
      }
    }
    throw ApplicationFailure.retryable(`secret ${namespace}/${name} kept changing while it was rewritten`, 'KubernetesApiError');
  }

  return { rewriteSecrets };
}
