/**
 * IAM policy documents as plain data, so the permissions eksflow grants can be read, tested
 * and sized without calling AWS.
 */

/** Condition operator (StringEquals, Null, ...) → condition key → value(s); keys within an operator are ANDed. */
export type PolicyCondition = Record<string, Record<string, string | string[]>>;

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: string | string[];
  Condition?: PolicyCondition;
}

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
}

/** IAM's size limits, counted in characters of the document without whitespace. */
export const policySizeLimits = {
  /** A customer-managed policy. */
  managed: 6144,
  /** All inline policies of one role together. */
  roleInline: 10240,
} as const;

/** The size IAM charges a document against its limits: its JSON without whitespace. */
export const policySize = (doc: PolicyDocument): number => JSON.stringify(doc).replace(/\s/g, '').length;

/** The ARN of a policy AWS manages, in the given partition. */
export const awsManagedPolicyArn = (name: string, partition = 'aws') => `arn:${partition}:iam::aws:policy/${name}`;
