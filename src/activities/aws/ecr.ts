import {
  CreateRepositoryCommand, DeleteRepositoryCommand, DescribeImagesCommand, DescribeRepositoriesCommand, GetAuthorizationTokenCommand,
  ListTagsForResourceCommand, type ECRClient, type Repository as SdkRepository,
} from '@aws-sdk/client-ecr';
import { aws, awsOrUndefined } from './errors';
import { allPages } from './pages';
import { fromTagList, toTagList } from './iam';

export interface Repository {
  name: string;
  arn: string;
  /** <account>.dkr.ecr.<region>.amazonaws.com/<name> */
  uri: string;
  scanOnPush: boolean;
  tags: Record<string, string>;
}

/** Registry credentials; a secret: never logged, never returned to a workflow. */
export interface RegistryLogin {
  username: string;
  password: string;
}

/** The ECR calls eksflow makes, and nothing else: a simulated cloud implements the same. */
export interface EcrApi {
  describeRepository(name: string): Promise<Repository | undefined>;
  listRepositories(): Promise<Repository[]>;
  createRepository(input: { name: string; scanOnPush: boolean; tags: Record<string, string> }): Promise<Repository>;
  /** Deletes the repository with its images; done when it is already gone. */
  deleteRepository(name: string): Promise<void>;
  login(): Promise<RegistryLogin>;
  imageDigest(repository: string, tag: string): Promise<string | undefined>;
}

export function ecrApi(client: ECRClient): EcrApi {
  const withTags = async (repository: SdkRepository): Promise<Repository> => {
    const tags = await aws(`ListTagsForResource ${repository.repositoryName}`, () => client.send(new ListTagsForResourceCommand({ resourceArn: repository.repositoryArn })));
    return {
      name: repository.repositoryName!, arn: repository.repositoryArn!, uri: repository.repositoryUri!,
      scanOnPush: repository.imageScanningConfiguration?.scanOnPush ?? false, tags: fromTagList(tags.tags),
    };
  };
  return {
    async describeRepository(name) {
      const found = await awsOrUndefined(`DescribeRepositories ${name}`, () => client.send(new DescribeRepositoriesCommand({ repositoryNames: [name] })));
      const repository = found?.repositories?.[0];
      return repository ? withTags(repository) : undefined;
    },
    async listRepositories() {
      const repositories = await allPages(async (nextToken) => {
        const page = await aws('DescribeRepositories', () => client.send(new DescribeRepositoriesCommand({ nextToken })));
        return { items: page.repositories, next: page.nextToken };
      });
      return Promise.all(repositories.map(withTags));
    },
    async createRepository({ name, scanOnPush, tags }) {
      const created = await aws(`CreateRepository ${name}`, () => client.send(new CreateRepositoryCommand({
        repositoryName: name, imageScanningConfiguration: { scanOnPush }, tags: toTagList(tags),
      })));
      const repository = created.repository!;
      return { name, arn: repository.repositoryArn!, uri: repository.repositoryUri!, scanOnPush, tags };
    },
    async deleteRepository(name) {
      await awsOrUndefined(`DeleteRepository ${name}`, () => client.send(new DeleteRepositoryCommand({ repositoryName: name, force: true })));
    },
    async login() {
      const token = await aws('GetAuthorizationToken', () => client.send(new GetAuthorizationTokenCommand({})));
      const decoded = Buffer.from(token.authorizationData?.[0]?.authorizationToken ?? '', 'base64').toString();
      const [username, ...rest] = decoded.split(':');
      return { username: username ?? 'AWS', password: rest.join(':') };
    },
    async imageDigest(repository, tag) {
      const found = await awsOrUndefined(`DescribeImages ${repository}:${tag}`, () => client.send(new DescribeImagesCommand({ repositoryName: repository, imageIds: [{ imageTag: tag }] })));
      return found?.imageDetails?.[0]?.imageDigest;
    },
  };
}
