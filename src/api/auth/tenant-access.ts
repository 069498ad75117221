import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { AccessEntry, accessProblems, type AccessEntrySpec } from '../../domain/access-entries';

declare module 'fastify' {
  interface FastifyInstance {
    /** The principals a tenant's every environment grants access to (`EKSFLOW_TENANT_ACCESS`); none for most. */
    tenantAccess(tenant: string): readonly AccessEntrySpec[];
  }
}

const tenantPattern = /^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$/;
const TenantEntries = Type.Array(AccessEntry, { maxItems: 20 });

/**
 * Reads `EKSFLOW_TENANT_ACCESS`: a JSON object from tenant to access entries, each as an
 * environment spec writes them (`{"team-a": [{"principalArn": "arn:aws:iam::111122223333:role/team-a-admin",
 * "accessPolicies": [{"policy": "AmazonEKSClusterAdminPolicy"}]}]}`). Every environment the tenant
 * requests grants them, added to its spec at the edge so the run, its plan and its ledger show
 * them. A bad value fails start-up naming the tenant and the path, like any setting.
 */
export function parseTenantAccess(text: string): Map<string, AccessEntrySpec[]> {
  if (text.trim() === '') return new Map();
  let given: unknown;
  try {
    given = JSON.parse(text);
  } catch (error) {
    throw new Error(`EKSFLOW_TENANT_ACCESS is not JSON: ${(error as Error).message}; give an object from tenant to access entries`, { cause: error });
  }
  if (typeof given !== 'object' || given === null || Array.isArray(given)) throw new Error('EKSFLOW_TENANT_ACCESS must be a JSON object from tenant to access entries');
  const problems: string[] = [];
  const table = new Map<string, AccessEntrySpec[]>();
  for (const [tenant, listed] of Object.entries(given)) {
    if (!tenantPattern.test(tenant)) problems.push(`/${tenant} is not a tenant name (lower-case letters, digits and "-", ≤ 40 characters)`);
    // Defaults per tenant's list: the same defaults an environment spec's entries get.
    const entries = Value.Default(TenantEntries, Value.Clone(listed)) as AccessEntrySpec[];
    const errors = [...Value.Errors(TenantEntries, entries)].map((error) => `/${tenant}${error.path} ${error.message}`);
    problems.push(...new Set(errors));
    if (errors.length === 0) problems.push(...accessProblems({ entries }).map((problem) => `/${tenant}${problem.path.replace(/^\/access\/entries/, '')} ${problem.message}`));
    table.set(tenant, entries);
  }
  if (problems.length > 0) throw new Error(`EKSFLOW_TENANT_ACCESS: ${problems.join('; ')}`);
  return table;
}
