import { withDefaultEntries, type AccessEntrySpec } from '../domain/access-entries';
import { translateClusterConfig } from '../domain/eksctl-cluster-config';
import { parseEnvironmentSpec, type ParseResult } from '../domain/environment-spec';

/** An environment spec or ClusterConfig is a few kilobytes; this leaves room and no more. */
export const bodyLimitBytes = 256 * 1024;

/** The media types a request for an environment may come in: eksflow's spec as JSON, or an eksctl ClusterConfig as YAML. */
export const yamlMediaTypes = ['application/yaml', 'application/x-yaml', 'text/yaml'] as const;

/**
 * The EnvironmentSpec a request asks for, validated once, here at the edge: a JSON body is
 * an EnvironmentSpec, a YAML body an eksctl ClusterConfig. Every problem comes back with its path.
 */
export function specFromRequest(body: unknown, contentType: string | undefined, tenantAccess: readonly AccessEntrySpec[] = []): ParseResult {
  const mediaType = contentType?.split(';')[0]?.trim().toLowerCase();
  const parsed = mediaType && (yamlMediaTypes as readonly string[]).includes(mediaType) ? translateClusterConfig(typeof body === 'string' ? body : '') : parseEnvironmentSpec(body);
  if (!parsed.ok || tenantAccess.length === 0) return parsed;
  // The tenant's default principals join the spec here, visibly: the run, its plan and its
  // ledger show them. Checked again as a whole (e.g. the number of entries).
  const withTenant = parseEnvironmentSpec(withDefaultEntries(parsed.spec, tenantAccess));
  return withTenant.ok && parsed.warnings ? { ...withTenant, warnings: parsed.warnings } : withTenant;
}
