import type { ObjectStore } from '../kube/object-store';
import type { ObjectDraft } from '../kube/objects';

/** One revision of a release, as helm keeps it in a Secret of the release's namespace. */
export interface ReleaseRecord {
  name: string;
  namespace: string;
  version: number;
  info: { status: string; first_deployed: string; last_deployed: string; description: string };
  chart: { metadata: { name: string; version: string } };
  config: Record<string, unknown>;
  /** The objects this revision made, as drafts: what an upgrade prunes and a rollback re-applies. */
  manifest: ObjectDraft[];
  /** `helm --labels`: kept on the storage Secret beside helm's own, merged forward by upgrades. */
  labels?: Record<string, string>;
}

const secretName = (release: string, version: number) => `sh.helm.release.v1.${release}.v${version}`;

/**
 * helm's Secret storage driver: `sh.helm.release.v1.<release>.v<revision>`, labelled owner=helm,
 * name, status and version, the release in `data.release` (JSON, base64; helm also gzips).
 * Kept in the cluster, so a namespace or cluster that goes takes its releases with it.
 */
export class ReleaseRecords {
  constructor(private readonly store: ObjectStore) {}

  private get secrets() {
    return this.store.typeOf('Secret');
  }

  /** Every revision, oldest first. */
  history(namespace: string, release: string): ReleaseRecord[] {
    return this.store.items(this.secrets, namespace)
      .filter((secret) => secret.metadata.labels?.owner === 'helm' && secret.metadata.labels.name === release)
      .map((secret) => JSON.parse(Buffer.from(String((secret.data as Record<string, string>).release), 'base64').toString('utf8')) as ReleaseRecord)
      .sort((a, b) => a.version - b.version);
  }

  latest(namespace: string, release: string): ReleaseRecord | undefined {
    return this.history(namespace, release).at(-1);
  }

  write(record: ReleaseRecord): void {
    const secret: ObjectDraft = {
      apiVersion: 'v1', kind: 'Secret', type: 'helm.sh/release.v1',
      metadata: {
        name: secretName(record.name, record.version), namespace: record.namespace,
        labels: { ...record.labels, owner: 'helm', name: record.name, status: record.info.status, version: String(record.version), modifiedAt: String(Math.floor(Date.now() / 1000)) },
      },
      data: { release: Buffer.from(JSON.stringify(record)).toString('base64') },
    };
    this.store.put(this.secrets, secret);
  }

  setStatus(record: ReleaseRecord, status: string, description: string): ReleaseRecord {
    const updated = { ...record, info: { ...record.info, status, description, last_deployed: new Date().toISOString() } };
    this.write(updated);
    return updated;
  }

  removeAll(namespace: string, release: string): void {
    for (const record of this.history(namespace, release)) this.store.remove(this.secrets, namespace, secretName(release, record.version));
  }
}
