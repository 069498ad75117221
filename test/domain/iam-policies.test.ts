import assert from 'node:assert/strict';
import { test } from 'node:test';
import { awsLoadBalancerControllerPolicy } from '../../src/domain/iam-policies/aws-load-balancer-controller';
import { cloudWatchAgentServerPolicyArn, cloudwatchAgentPolicy, fluentBitPolicy } from '../../src/domain/iam-policies/cloudwatch';
import { clusterAutoscalerPolicy } from '../../src/domain/iam-policies/cluster-autoscaler';
import { policySize, policySizeLimits, type PolicyDocument, type PolicyStatement } from '../../src/domain/iam-policies/policy-document';

const policies: Record<string, PolicyDocument> = {
  'aws-load-balancer-controller': awsLoadBalancerControllerPolicy(),
  'cluster-autoscaler': clusterAutoscalerPolicy('demo'),
  'cloudwatch-agent': cloudwatchAgentPolicy(),
  'fluent-bit': fluentBitPolicy('us-east-1', '123456789012', 'demo'),
};

const knownServices = new Set(['iam', 'ec2', 'elasticloadbalancing', 'cognito-idp', 'acm', 'waf-regional', 'wafv2', 'shield', 'autoscaling', 'eks', 'logs', 'cloudwatch', 'xray', 'ssm']);
const list = (value: string | string[]) => (Array.isArray(value) ? value : [value]);
const actions = (statement: PolicyStatement) => list(statement.Action);
const isRead = (action: string) => /^[a-z0-9-]+:(Describe|Get|List)/.test(action);
const onEverything = (statement: PolicyStatement) => list(statement.Resource).includes('*');

test('every statement is well formed: Effect, Action and Resource, known service prefixes, no wildcard actions', () => {
  for (const [name, policy] of Object.entries(policies)) {
    assert.equal(policy.Version, '2012-10-17', name);
    assert.ok(policy.Statement.length > 0, name);
    for (const statement of policy.Statement) {
      assert.equal(statement.Effect, 'Allow', name);
      assert.ok(list(statement.Resource).length > 0, `${name}: a statement without Resource`);
      assert.ok(actions(statement).length > 0, `${name}: a statement without Action`);
      for (const action of actions(statement)) {
        assert.match(action, /^[a-z0-9-]+:[A-Za-z*]+$/, `${name}: ${action}`);
        assert.ok(knownServices.has(action.split(':')[0]!), `${name}: unknown service in ${action}`);
        assert.notEqual(action, '*', name);
        assert.ok(!action.includes('*'), `${name}: wildcard action ${action}`);
      }
      for (const resource of list(statement.Resource)) assert.ok(resource === '*' || resource.startsWith('arn:aws:'), `${name}: ${resource}`);
    }
    assert.equal(new Set(policy.Statement.flatMap((s) => s.Sid ?? [])).size, policy.Statement.filter((s) => s.Sid).length, `${name}: duplicate Sid`);
  }
});

test('each policy fits IAM\'s size limits, managed (6144) and inline (10240)', () => {
  for (const [name, policy] of Object.entries(policies)) {
    const size = policySize(policy);
    assert.ok(size <= policySizeLimits.managed, `${name} is ${size} characters`);
    assert.ok(size <= policySizeLimits.roleInline, `${name} is ${size} characters`);
  }
  assert.equal(policySize({ Version: '2012-10-17', Statement: [] }), '{"Version":"2012-10-17","Statement":[]}'.length);
});

test('the load balancer controller may only write what it tagged, apart from the grants its upstream policy makes unconditionally', () => {
  const policy = awsLoadBalancerControllerPolicy();
  const targetGroups = 'arn:aws:elasticloadbalancing:*:*:targetgroup/*/*';
  // iam_policy.json lets the controller edit ingress rules, create security groups, and manage
  // listeners and their rules, certificates and WAF association without a tag condition.
  const documentedUnconditioned = new Set([
    'ec2:AuthorizeSecurityGroupIngress', 'ec2:RevokeSecurityGroupIngress', 'ec2:CreateSecurityGroup',
    'elasticloadbalancing:CreateListener', 'elasticloadbalancing:DeleteListener', 'elasticloadbalancing:CreateRule', 'elasticloadbalancing:DeleteRule',
    'elasticloadbalancing:SetWebAcl', 'elasticloadbalancing:ModifyListener', 'elasticloadbalancing:AddListenerCertificates',
    'elasticloadbalancing:RemoveListenerCertificates', 'elasticloadbalancing:ModifyRule', 'elasticloadbalancing:SetRulePriorities',
  ]);
  const unconditionedOnEverything = new Set<string>();
  for (const statement of policy.Statement) {
    for (const action of actions(statement).filter((a) => /^(ec2|elasticloadbalancing):/.test(a) && !isRead(a))) {
      const tagConditioned = Object.values(statement.Condition ?? {}).some((keys) => Object.keys(keys).some((key) => key.endsWith('/elbv2.k8s.aws/cluster')));
      if (tagConditioned) continue;
      if (onEverything(statement)) {
        unconditionedOnEverything.add(action);
        continue;
      }
      const resources = list(statement.Resource);
      const scoped = resources.every((r) => r === targetGroups || /^arn:aws:elasticloadbalancing:\*:\*:listener(-rule)?\/(net|app)\/\*\/\*\/\*$/.test(r));
      assert.ok(scoped, `${action} on ${resources.join(', ')} is neither tag-conditioned nor on target groups, listeners or rules`);
    }
  }
  assert.deepEqual([...unconditionedOnEverything].sort(), [...documentedUnconditioned].sort());

  const registering = policy.Statement.find((s) => actions(s).includes('elasticloadbalancing:RegisterTargets'))!;
  assert.deepEqual(registering.Resource, targetGroups);
  const sgTagging = policy.Statement.find((s) => actions(s).join() === 'ec2:CreateTags')!;
  assert.deepEqual(sgTagging.Condition, { StringEquals: { 'ec2:CreateAction': 'CreateSecurityGroup' }, Null: { 'aws:RequestTag/elbv2.k8s.aws/cluster': 'false' } });
  assert.equal(sgTagging.Resource, 'arn:aws:ec2:*:*:security-group/*');
  const creating = policy.Statement.find((s) => actions(s).includes('elasticloadbalancing:CreateLoadBalancer'))!;
  assert.deepEqual(creating.Condition, { Null: { 'aws:RequestTag/elbv2.k8s.aws/cluster': 'false' } });
  const serviceLinked = policy.Statement.find((s) => actions(s).includes('iam:CreateServiceLinkedRole'))!;
  assert.deepEqual(serviceLinked.Condition, { StringEquals: { 'iam:AWSServiceName': 'elasticloadbalancing.amazonaws.com' } });
  const tagOnCreate = policy.Statement.find((s) => s.Condition?.StringEquals?.['elasticloadbalancing:CreateAction'])!;
  assert.deepEqual(actions(tagOnCreate), ['elasticloadbalancing:AddTags']);
});

test('the load balancer controller\'s ARNs follow the partition', () => {
  const resources = (policy: PolicyDocument) => policy.Statement.flatMap((s) => list(s.Resource)).filter((r) => r !== '*');
  const china = resources(awsLoadBalancerControllerPolicy('aws-cn'));
  assert.ok(china.length > 0);
  for (const arn of china) assert.match(arn, /^arn:aws-cn:/);
  assert.deepEqual(china.map((arn) => arn.replace(/^arn:aws-cn:/, 'arn:aws:')), resources(awsLoadBalancerControllerPolicy()));
  assert.match(list(cloudwatchAgentPolicy('aws-us-gov').Statement[1]!.Resource)[0]!, /^arn:aws-us-gov:ssm:/);
});

test('cluster-autoscaler reads anywhere but resizes only the groups tagged for this cluster', () => {
  const policy = clusterAutoscalerPolicy('demo');
  for (const statement of policy.Statement) {
    const mutating = actions(statement).filter((a) => !isRead(a) && a !== 'ec2:GetInstanceTypesFromInstanceRequirements');
    if (mutating.length === 0) {
      assert.equal(statement.Condition, undefined);
      continue;
    }
    assert.deepEqual(mutating, ['autoscaling:SetDesiredCapacity', 'autoscaling:TerminateInstanceInAutoScalingGroup']);
    assert.deepEqual(statement.Condition, {
      StringEquals: { 'aws:ResourceTag/k8s.io/cluster-autoscaler/demo': 'owned', 'aws:ResourceTag/k8s.io/cluster-autoscaler/enabled': 'true' },
    });
  }
  const all = policy.Statement.flatMap(actions);
  for (const read of ['autoscaling:DescribeAutoScalingGroups', 'autoscaling:DescribeTags', 'ec2:DescribeLaunchTemplateVersions', 'eks:DescribeNodegroup']) assert.ok(all.includes(read), read);
  assert.ok(JSON.stringify(clusterAutoscalerPolicy('other')).includes('k8s.io/cluster-autoscaler/other'));
  assert.ok(!JSON.stringify(clusterAutoscalerPolicy('other')).includes('cluster-autoscaler/demo'));
});

test('Fluent Bit writes only to its cluster\'s Container Insights log groups; the agent has AWS\'s managed policy', () => {
  const [statement, ...rest] = fluentBitPolicy('eu-west-1', '123456789012', 'demo').Statement;
  assert.equal(rest.length, 0);
  assert.deepEqual(actions(statement!).sort(), ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:DescribeLogStreams', 'logs:PutLogEvents', 'logs:PutRetentionPolicy']);
  assert.deepEqual(statement!.Resource, [
    'arn:aws:logs:eu-west-1:123456789012:log-group:/aws/containerinsights/demo/*',
    'arn:aws:logs:eu-west-1:123456789012:log-group:/aws/containerinsights/demo/*:log-stream:*',
  ]);
  assert.match(list(fluentBitPolicy('eu-west-1', undefined, 'demo').Statement[0]!.Resource)[0]!, /^arn:aws:logs:eu-west-1:\*:log-group:/);

  assert.equal(cloudWatchAgentServerPolicyArn, 'arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy');
  const agent = cloudwatchAgentPolicy();
  assert.ok(agent.Statement[0]!.Resource === '*' && actions(agent.Statement[0]!).includes('cloudwatch:PutMetricData'));
  assert.deepEqual(agent.Statement[1], { Sid: 'CWASSMServerPermissions', Effect: 'Allow', Action: ['ssm:GetParameter'], Resource: 'arn:aws:ssm:*:*:parameter/AmazonCloudWatch-*' });
});
