import { EC2Client, RegisterImageCommand } from '@aws-sdk/client-ec2';
import { CreatePolicyCommand, DeleteRoleCommand, GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { awsActivityDeps, givenResourcesDeps } from '../../src/activities/aws/clients';
import { scaledClock, type SimClock } from '../../src/sim/clock';
import { SimulatedAws, type AwsApis } from '../../src/sim/aws';
import { moto, type Moto } from '../support/moto';

/** One implementation of eksflow's AWS interfaces, with what the contract suite needs around it. */
export interface AwsBackend {
  apis: AwsApis;
  /** IAM's DeleteRole request alone, raw (no adapter): its refusal's shape is part of the contract. */
  deleteRoleOnly(name: string): Promise<unknown>;
  /** IAM's GetRole alone, raw: the role's trust policy as IAM gives it back, parsed. */
  trustPolicyOf(name: string): Promise<unknown>;
  /** EC2's RegisterImage, raw (eksflow never registers one): the new image's ID. */
  registerImage(name: string): Promise<string>;
  /** IAM's CreatePolicy of a customer-managed policy, raw (eksflow makes none): its ARN. */
  createPolicy(name: string): Promise<string>;
  /**
   * Runs `during` with simulated time held still, so a transitional state (UPDATING) is seen
   * however long the calls take on a loaded machine; after it, time goes on as if it had never
   * stopped. Only where time moves by itself: moto's states never transition.
   */
  frozen?<T>(during: () => Promise<T>): Promise<T>;
  /** A fresh, empty account for the next test. */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

const contractPatience = { propagationMs: 1_000, clusterBusyMs: 1_000, fargateBusyMs: 1_000, clusterUpdateMs: 1_000, nameReleaseMs: 1_000, logGroupBusyMs: 1_000, maxPauseMs: 200 };

/** The SDK-backed adapters, built as the worker builds them, over moto. */
export async function motoBackend(): Promise<AwsBackend> {
  const aws: Moto = await moto();
  const iam = new IAMClient(aws.clientConfig);
  return {
    // AWS's "not yet" budgets (up to an hour) in seconds: a contract checks what AWS answers,
    // and a refusal the adapter waits out must still surface as one, in test time.
    // The pre-flight's look-ups, added as the worker adds them (worker.ts).
    apis: { ...awsActivityDeps({ ...aws.clientConfig, patience: contractPatience }), givenResources: givenResourcesDeps(aws.clientConfig) },
    deleteRoleOnly: (name) => iam.send(new DeleteRoleCommand({ RoleName: name })),
    // IAM answers the document URL-encoded.
    trustPolicyOf: async (name) => JSON.parse(decodeURIComponent((await iam.send(new GetRoleCommand({ RoleName: name }))).Role!.AssumeRolePolicyDocument!)),
    registerImage: async (name) => (await new EC2Client(aws.clientConfig).send(new RegisterImageCommand({ Name: name, RootDeviceName: '/dev/xvda' }))).ImageId!,
    createPolicy: async (name) => (await iam.send(new CreatePolicyCommand({ PolicyName: name, PolicyDocument: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}' }))).Policy!.Arn!,
    reset: () => aws.reset(),
    stop: () => aws.stop(),
  };
}

/**
 * The simulated cloud, 100,000× faster than AWS: a 10-minute cluster is ACTIVE in ~6 ms, so
 * the suite's waits are milliseconds and the CREATING → ACTIVE path is still taken.
 */
export async function simulatedBackend(): Promise<AwsBackend> {
  const backend = {} as AwsBackend & { sim: SimulatedAws };
  let clock = holdableClock(scaledClock({ speedup: 100_000 }));
  const fresh = () => {
    clock = holdableClock(scaledClock({ speedup: 100_000 }));
    backend.sim = new SimulatedAws({ clock, seed: 'contract' });
    backend.apis = backend.sim.apis();
  };
  fresh();
  backend.frozen = async (during) => {
    clock.hold();
    try {
      return await during();
    } finally {
      clock.release();
    }
  };
  backend.deleteRoleOnly = (name) => backend.sim.iam.deleteRoleOnly(name);
  backend.trustPolicyOf = async (name) => JSON.parse(await backend.sim.iam.trustPolicyOf(name));
  backend.registerImage = async (name) => backend.sim.images.register({ name });
  backend.createPolicy = async (name) => {
    const arn = `arn:aws:iam::${backend.sim.accountId}:policy/${name}`;
    backend.sim.iam.addManagedPolicy(arn);
    return arn;
  };
  backend.reset = async () => fresh();
  backend.stop = async () => undefined;
  return backend;
}

/**
 * A clock that can be held still: at 100,000× an add-on update (a two-minute median) is over in
 * about a millisecond of real time, less than a describe may take when the machine is busy.
 */
function holdableClock(inner: SimClock): SimClock & { hold(): void; release(): void } {
  let heldAt: number | undefined;
  let lost = 0;
  return {
    speedup: inner.speedup,
    now: () => heldAt ?? inner.now() - lost,
    sleep: (seconds) => inner.sleep(seconds),
    hold: () => { heldAt ??= inner.now() - lost; },
    release: () => {
      if (heldAt === undefined) return;
      lost = inner.now() - heldAt;
      heldAt = undefined;
    },
  };
}
