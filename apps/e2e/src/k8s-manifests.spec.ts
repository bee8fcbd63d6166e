/**
 * Issue 6 acceptance for k8s/: the generated manifests match their sources (contracts
 * topic catalogue, partner registry seed, Prometheus rule files, Grafana dashboards),
 * `kubectl kustomize` renders both overlays, and every rendered object validates against
 * the Kubernetes schemas (kubernetes-models) and the Strimzi and Prometheus-Operator CRD
 * schemas (@kubernetes-models/strimzi-kafka-operator, @kubernetes-models/prometheus-operator).
 */
import { execFileSync } from 'node:child_process';
import { InboxTopic, Topics } from '@hub/contracts';
import * as yaml from 'js-yaml';
// The generator is a plain script beside the hub launcher (it runs from compiled output).
// eslint-disable-next-line @nx/enforce-module-boundaries
import { SERVICES, SIMULATORS, allTopics, drift, kafkaUserAcls, readParties, root } from '../../../tools/k8s/generate.mjs';

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: any;
  [k: string]: unknown;
}

/** The model module for an apiVersion: core and built-in groups from kubernetes-models, CRDs from their packages. */
const MODEL_MODULES: Record<string, string> = {
  'kafka.strimzi.io/v1beta2': '@kubernetes-models/strimzi-kafka-operator/kafka.strimzi.io/v1beta2',
  'monitoring.coreos.com/v1': '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1',
};

async function validate(obj: K8sObject): Promise<void> {
  const mod = MODEL_MODULES[obj.apiVersion] ?? `kubernetes-models/${obj.apiVersion}`;
  const models = (await import(mod)) as Record<string, new (o: unknown) => { validate(): void }>;
  const Model = models[obj.kind];
  if (!Model) throw new Error(`no schema for ${obj.apiVersion} ${obj.kind} in ${mod}`);
  new Model(obj).validate();
}

const kubectl = (() => {
  try {
    return execFileSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).split('\n')[0];
  } catch {
    return null;
  }
})();

function render(overlay: string): K8sObject[] {
  const out = execFileSync('kubectl', ['kustomize', `k8s/overlays/${overlay}`], { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return yaml.loadAll(out).filter(Boolean) as K8sObject[];
}

describe('k8s manifests generated from their sources', () => {
  it('match a fresh run of tools/k8s/generate.mjs (topics, users, workloads, rules, dashboards)', () => {
    // On failure: node --import ./tools/runtime/register.mjs tools/k8s/generate.mjs
    expect(drift()).toEqual([]);
  });

  it('give each EPJ adapter read access to its own parties\' inboxes only, and no write but their dead letters (the hospital also its event topic)', () => {
    const parties = readParties();
    for (const sim of SIMULATORS) {
      const acls = kafkaUserAcls(sim, parties);
      const own = new Set(parties.filter((p) => p.epjSystem === sim.epjSystem).map((p) => InboxTopic.nameFor(String(p.herId))));
      expect(own.size).toBeGreaterThan(0);
      const topicAcls = acls.filter((a) => a.resource.type === 'topic');
      expect(topicAcls.every((a) => a.resource.patternType === 'literal')).toBe(true);
      const read = topicAcls.filter((a) => a.operations.includes('Read')).map((a) => a.resource.name);
      expect(new Set(read)).toEqual(own);
      const written = topicAcls.filter((a) => a.operations.includes('Write')).map((a) => a.resource.name);
      // The hospital's integration may also hand events to intake over Kafka (HUB_PRINCIPALS).
      const extra = sim.name === 'hospital-epj' ? [Topics.EpjEvents.name] : [];
      expect(new Set(written)).toEqual(new Set([...[...own].map((t) => `${t}.dlq`), ...extra]));
    }
    // No hub service reads an inbox's records; only dispatch writes inboxes.
    for (const svc of SERVICES) {
      const inboxAcls = kafkaUserAcls(svc).filter((a) => a.resource.type === 'topic' && a.resource.name.startsWith(InboxTopic.prefix));
      expect({ svc: svc.name, reads: inboxAcls.some((a) => a.operations.includes('Read')) }).toEqual({ svc: svc.name, reads: false });
      expect({ svc: svc.name, writes: inboxAcls.some((a) => a.operations.includes('Write')) }).toEqual({ svc: svc.name, writes: svc.name === 'dispatch' });
    }
  });
});

(kubectl ? describe : describe.skip)(`kubectl kustomize (${kubectl ?? 'kubectl not found: install it (.ci/run does: apt-get install kubernetes-client)'})`, () => {
  const overlays = ['dev', 'prod'] as const;
  const rendered: Record<string, K8sObject[]> = {};
  beforeAll(() => {
    for (const o of overlays) rendered[o] = render(o);
  });

  it.each(overlays)('%s: every rendered object validates against the Kubernetes and CRD schemas', async (overlay) => {
    const objs = rendered[overlay]!;
    expect(objs.length).toBeGreaterThan(50);
    const failures: string[] = [];
    for (const obj of objs) {
      await validate(obj).catch((err: Error) => failures.push(`${obj.kind}/${obj.metadata.name}: ${err.message}`));
    }
    expect(failures).toEqual([]);
  });

  it('the validation rejects a broken object (it can fail)', async () => {
    const deployment = rendered.prod!.find((o) => o.kind === 'Deployment')!;
    await expect(validate({ ...deployment, spec: { ...deployment.spec, replicas: 'three' } })).rejects.toThrow();
    const topic = rendered.prod!.find((o) => o.kind === 'KafkaTopic')!;
    await expect(validate({ ...topic, spec: { ...topic.spec, partitions: 'six' } })).rejects.toThrow();
  });

  it.each(overlays)('%s: a KafkaTopic for every catalogue topic, dead letter and party inbox', (overlay) => {
    const topics = rendered[overlay]!.filter((o) => o.kind === 'KafkaTopic');
    const expected = allTopics();
    expect(topics.map((t) => t.spec.topicName).sort()).toEqual(expected.map((t) => t.name).sort());
    for (const def of expected) {
      const t = topics.find((o) => o.spec.topicName === def.name)!;
      expect({ name: def.name, partitions: t.spec.partitions, retention: t.spec.config['retention.ms'] }).toEqual({ name: def.name, partitions: def.partitions, retention: def.retentionMs });
      expect(t.metadata.labels?.['strimzi.io/cluster']).toBe('hub');
    }
  });

  it('prod: three KRaft nodes, replication 3 and min.insync.replicas 2 for every topic', () => {
    const prod = rendered.prod!;
    expect(prod.find((o) => o.kind === 'KafkaNodePool')!.spec.replicas).toBe(3);
    const kafka = prod.find((o) => o.kind === 'Kafka')!;
    expect(kafka.spec.kafka.config['min.insync.replicas']).toBe(2);
    expect(kafka.spec.zookeeper).toBeUndefined();
    for (const t of prod.filter((o) => o.kind === 'KafkaTopic')) {
      expect({ topic: t.spec.topicName, replicas: t.spec.replicas, isr: t.spec.config['min.insync.replicas'] }).toEqual({ topic: t.spec.topicName, replicas: 3, isr: 2 });
    }
    expect(prod.every((o) => o.kind === 'Namespace' || o.metadata.namespace === 'hub')).toBe(true);
    expect(prod.some((o) => o.metadata.labels?.['app.kubernetes.io/component'] === 'simulator')).toBe(false);
  });

  it.each(overlays)('%s: every Deployment has probes, resources, a non-root read-only container, a Service, a PDB, an HPA and a NetworkPolicy', (overlay) => {
    const objs = rendered[overlay]!;
    const deployments = objs.filter((o) => o.kind === 'Deployment');
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual(
      [...SERVICES.map((s) => s.name), ...(overlay === 'dev' ? SIMULATORS.map((s) => s.name) : [])].sort(),
    );
    for (const d of deployments) {
      const pod = d.spec.template.spec;
      const c = pod.containers[0];
      expect(c.readinessProbe.httpGet.path).toBe('/health/ready');
      expect(c.livenessProbe.httpGet.path).toBe('/health/live');
      expect(c.resources.requests.cpu).toBeDefined();
      expect(c.resources.limits.memory).toBeDefined();
      expect(pod.securityContext.runAsNonRoot).toBe(true);
      expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
      expect(c.envFrom).toEqual([{ configMapRef: { name: 'hub-config' } }, { secretRef: { name: 'hub-secrets' } }]);
      expect(c.image).toMatch(/^registry\.example\.invalid\/samhandling-hub:/);
      const name = d.metadata.name;
      expect(objs.some((o) => o.kind === 'Service' && o.metadata.name === name)).toBe(true);
      expect(objs.some((o) => o.kind === 'NetworkPolicy' && o.metadata.name === name)).toBe(true);
      if (d.metadata.labels?.['app.kubernetes.io/component'] === 'service') {
        expect(objs.some((o) => o.kind === 'PodDisruptionBudget' && o.metadata.name === name)).toBe(true);
        expect(objs.some((o) => o.kind === 'HorizontalPodAutoscaler' && o.metadata.name === name)).toBe(true);
      }
    }
    const deny = objs.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'default-deny')!;
    expect(deny.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
  });

  it('prod: the PrometheusRule carries the groups of infra/prometheus/rules and the dashboards are ConfigMaps', () => {
    const prod = rendered.prod!;
    const rule = prod.find((o) => o.kind === 'PrometheusRule')!;
    expect(rule.spec.groups.length).toBeGreaterThan(0);
    expect(rule.spec.groups.flatMap((g: { rules: unknown[] }) => g.rules).length).toBeGreaterThan(0);
    const dashboards = prod.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'hub-grafana-dashboards')!;
    expect(dashboards.metadata.labels?.grafana_dashboard).toBe('1');
    for (const json of Object.values(dashboards.data as Record<string, string>)) expect(() => JSON.parse(json)).not.toThrow();
    expect(prod.some((o) => o.kind === 'ServiceMonitor')).toBe(true);
  });
});
