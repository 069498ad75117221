import { createHash } from 'node:crypto';
import type { EcrApi, Repository } from '../../activities/aws/ecr';
import { aws, awsOrUndefined } from '../../activities/aws/errors';
import type { SimContext } from './context';
import { ecrError } from './errors';
import type { AwsGateway, Request } from './gateway';
import { paged, slicePage } from './pages';

interface RepositoryRecord {
  name: string;
  arn: string;
  uri: string;
  scanOnPush: boolean;
  tags: Record<string, string>;
  /** Image digests by tag. */
  images: Map<string, string>;
}

/** ECR repositories and the digests of their tagged images; instant, like ECR. */
export class SimulatedEcr implements EcrApi {
  private readonly repositories = new Map<string, RepositoryRecord>();
  private pushes = 0;

  constructor(private readonly context: SimContext, private readonly gateway: AwsGateway) {}

  private call<T>(method: string, resource: string | undefined, body: (request: Request) => Promise<T>): Promise<T> {
    return this.gateway.operation({ service: 'ecr', method, resource }, body);
  }

  private repository(name: string): RepositoryRecord {
    const repository = this.repositories.get(name);
    if (!repository) throw ecrError.repositoryNotFound(`The repository with name '${name}' does not exist in the registry with id '${this.context.accountId}'`);
    return repository;
  }

  private view = (repository: RepositoryRecord): Repository => ({
    name: repository.name, arn: repository.arn, uri: repository.uri, scanOnPush: repository.scanOnPush, tags: { ...repository.tags },
  });

  /**
   * An image pushed under a tag, as the simulated image copier does; returns its digest.
   * A push replaces what the tag pointed at, so each push gets a new digest.
   */
  addImage(repository: string, tag: string): string {
    const record = this.repository(repository);
    const digest = `sha256:${createHash('sha256').update(`${repository}:${tag}:${this.pushes++}`).digest('hex')}`;
    record.images.set(tag, digest);
    return digest;
  }

  repositoryNames(): string[] {
    return [...this.repositories.keys()].sort();
  }

  describeRepository(name: string) {
    return this.call('describeRepository', name, async (request) => {
      const found = await awsOrUndefined(`DescribeRepositories ${name}`, () => request('DescribeRepositories', () => this.repository(name)));
      // DescribeRepositories has no tags: the adapter asks ListTagsForResource.
      return found ? aws(`ListTagsForResource ${name}`, () => request('ListTagsForResource', () => this.view(this.repository(name)))) : undefined;
    });
  }

  listRepositories() {
    return this.call('listRepositories', undefined, async (request) => {
      const names = await paged((index) => aws('DescribeRepositories', () => request('DescribeRepositories', () => slicePage(this.repositoryNames(), index, 100))));
      return Promise.all(names.map((name) => aws(`ListTagsForResource ${name}`, () => request('ListTagsForResource', () => this.view(this.repository(name))))));
    });
  }

  createRepository({ name, scanOnPush, tags }: { name: string; scanOnPush: boolean; tags: Record<string, string> }) {
    return this.call('createRepository', name, (request) => aws(`CreateRepository ${name}`, () => request('CreateRepository', () => {
      const { accountId, region } = this.context;
      if (this.repositories.has(name)) throw ecrError.repositoryAlreadyExists(`The repository with name '${name}' already exists in the registry with id '${accountId}'`);
      const record: RepositoryRecord = {
        name, arn: `arn:aws:ecr:${region}:${accountId}:repository/${name}`, uri: `${accountId}.dkr.ecr.${region}.amazonaws.com/${name}`,
        scanOnPush, tags: { ...tags }, images: new Map(),
      };
      this.repositories.set(name, record);
      return this.view(record);
    })));
  }

  deleteRepository(name: string) {
    return this.call('deleteRepository', name, async (request) => {
      // force: true in the adapter, so images go with it.
      await awsOrUndefined(`DeleteRepository ${name}`, () => request('DeleteRepository', () => {
        this.repository(name);
        this.repositories.delete(name);
      }));
    });
  }

  login() {
    return this.call('login', undefined, (request) => aws('GetAuthorizationToken', () => request('GetAuthorizationToken', () =>
      ({ username: 'AWS', password: `simulated-ecr-token-${this.context.ids.hex(32)}` }))));
  }

  imageDigest(repository: string, tag: string) {
    return this.call('imageDigest', repository, (request) => awsOrUndefined(`DescribeImages ${repository}:${tag}`, () => request('DescribeImages', () => {
      const digest = this.repository(repository).images.get(tag);
      if (!digest) throw ecrError.imageNotFound(`The image with imageId {imageDigest:'null', imageTag:'${tag}'} does not exist within the repository with name '${repository}' in the registry with id '${this.context.accountId}'`);
      return digest;
    })));
  }
}
