import type { SimContext } from './context';
import { SimulatedAwsError } from './errors';
import type { SimulatedImage, SimulatedSsm } from './ssm';

/**
 * EC2's images in one region, as DescribeImages by ID finds them: the EKS-optimized AMIs the
 * region's SSM parameters name (AWS's own, public), and the images registered in the account
 * (RegisterImage: a test registers one before a spec names it as ami.id). A registered image
 * is `available` at once; deregistered, it is gone (EC2 API reference, DeregisterImage: "you
 * can't use it to launch new instances").
 */
export class SimulatedImages {
  private readonly registered = new Map<string, { name: string } & Partial<SimulatedImage>>();

  constructor(private readonly context: SimContext, private readonly ssm: SimulatedSsm) {}

  /**
   * RegisterImage: an ID of EC2's form (ami- and 17 hex digits); the name unique among the
   * account's images in the region (InvalidAMIName.Duplicate, EC2 API reference error codes).
   */
  register({ name, ...boots }: { name: string } & Partial<SimulatedImage>): string {
    if ([...this.registered.values()].some((image) => image.name === name)) {
      throw new SimulatedAwsError('InvalidAMIName.Duplicate', `AMI name ${name} is already in use by AMI ${[...this.registered].find(([, image]) => image.name === name)![0]}`, 400);
    }
    const id = this.context.ids.ec2('ami');
    this.registered.set(id, { name, ...boots });
    return id;
  }

  deregister(id: string): void {
    this.registered.delete(id);
  }

  /** Whether an instance can be launched from the image: one SSM names, or one registered and not deregistered. */
  available(id: string): boolean {
    return this.ssm.image(id) !== undefined || this.registered.has(id);
  }
}
