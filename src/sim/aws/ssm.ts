import { createHash } from 'node:crypto';
import { awsOrUndefined } from '../../activities/aws/errors';
import { supportedKubernetesVersions } from '../../domain/environment-spec';
import { amiTypes, type AmiType } from '../../domain/node-group-settings';
import { amiParameterName } from '../../domain/self-managed-nodes';
import { selfManagedError } from './errors';
import type { AwsGateway } from './gateway';

/** What an EKS-optimized AMI the simulated SSM names boots: its OS and architecture. */
export interface SimulatedImage {
  os: 'linux' | 'windows';
  arch: 'amd64' | 'arm64';
  amiType: AmiType;
}

/**
 * AWS Systems Manager's public parameters for the EKS-optimized AMIs, as a region serves them
 * (AWS docs "Retrieve recommended Amazon Linux AMI IDs", "… Bottlerocket AMI IDs", "… Microsoft
 * Windows AMI IDs"): one image ID for each AMI type and each Kubernetes version eksflow offers.
 * GetParameter of any other name answers ParameterNotFound, as SSM does. The IDs are made up
 * (the same name gives the same ID in every run); the images they name are known to the
 * simulated EC2, which boots Linux or Windows nodes from them.
 */
export class SimulatedSsm {
  private readonly parameters = new Map<string, string>();
  private readonly images = new Map<string, SimulatedImage>();

  constructor(region: string, private readonly gateway: AwsGateway) {
    for (const version of supportedKubernetesVersions) {
      for (const amiType of amiTypes) {
        const name = amiParameterName(amiType, version);
        if (!name) continue;
        const imageId = `ami-${createHash('sha256').update(`${region}:${name}`).digest('hex').slice(0, 17)}`;
        this.parameters.set(name, imageId);
        this.images.set(imageId, { amiType, os: amiType.startsWith('WINDOWS_') ? 'windows' : 'linux', arch: amiType.includes('ARM_64') ? 'arm64' : 'amd64' });
      }
    }
  }

  /** The image an ID names, when it is one of the EKS-optimized AMIs this SSM serves. */
  image(imageId: string): SimulatedImage | undefined {
    return this.images.get(imageId);
  }

  parameter(name: string): Promise<string | undefined> {
    return this.gateway.operation({ service: 'ssm', method: 'parameter', resource: name }, (request) => awsOrUndefined(`GetParameter ${name}`, () => request('GetParameter', () => {
      const value = this.parameters.get(name);
      // SSM's ParameterNotFound carries no message beyond its name.
      if (value === undefined) throw selfManagedError.parameterNotFound('');
      return value;
    })));
  }
}
