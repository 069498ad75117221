import { isPlainObject, type KubeObject } from '../objects';

/** Kubernetes CPU quantities ("4", "1930m", "0.5") in millicores. */
export function cpuMillis(quantity: unknown): number {
  const text = String(quantity ?? '0');
  return text.endsWith('m') ? Number(text.slice(0, -1)) : Math.round(Number(text) * 1000);
}

const memoryUnits: Record<string, number> = {
  '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40,
};

/** Memory quantities ("256Mi", "1G", "1024") in bytes. */
export function memoryBytes(quantity: unknown): number {
  const match = /^([0-9.]+)([A-Za-z]*)$/.exec(String(quantity ?? '0'));
  return match ? Number(match[1]) * (memoryUnits[match[2]!] ?? 1) : 0;
}

/** What a pod asks the scheduler for: the sum of its containers' requests. */
export function podRequests(pod: KubeObject): { cpu: number; memory: number } {
  const containers = Array.isArray(pod.spec?.containers) ? pod.spec.containers : [];
  return containers.reduce<{ cpu: number; memory: number }>((sum, container: unknown) => {
    const requests = isPlainObject(container) && isPlainObject(container.resources) && isPlainObject(container.resources.requests) ? container.resources.requests : {};
    return { cpu: sum.cpu + cpuMillis(requests.cpu), memory: sum.memory + memoryBytes(requests.memory) };
  }, { cpu: 0, memory: 0 });
}
