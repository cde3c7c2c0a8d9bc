// The Kubernetes objects slipway renders, typed to the fields it sets, and the options that shape them.

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface LabelSelector {
  matchLabels: Record<string, string>;
}

export interface ResourceRequirements {
  requests: Record<string, string>;
  limits: Record<string, string>;
}

export type Probe = {
  periodSeconds: number;
  timeoutSeconds: number;
  failureThreshold: number;
  successThreshold?: number;
} & ({ httpGet: { path: string; port: string } } | { tcpSocket: { port: string } });

export interface Container {
  name: string;
  image: string;
  imagePullPolicy: 'IfNotPresent';
  ports: { name: string; containerPort: number; protocol: 'TCP' }[];
  env: { name: string; value: string }[];
  resources: ResourceRequirements;
  readinessProbe: Probe;
  livenessProbe: Probe;
  startupProbe?: Probe;
  lifecycle?: { preStop: { sleep: { seconds: number } } };
  securityContext: {
    allowPrivilegeEscalation: false;
    capabilities: { drop: ['ALL'] };
    runAsNonRoot: true;
    runAsUser: number;
    seccompProfile: { type: 'RuntimeDefault' };
  };
  volumeMounts?: { name: string; mountPath: string }[];
}

export interface PodTemplate {
  metadata: { labels: Record<string, string>; annotations: Record<string, string> };
  spec: {
    automountServiceAccountToken: false;
    enableServiceLinks: false;
    terminationGracePeriodSeconds: number;
    securityContext: {
      runAsNonRoot: true;
      runAsUser: number;
      runAsGroup: number;
      fsGroup?: number;
      fsGroupChangePolicy?: 'OnRootMismatch';
      seccompProfile: { type: 'RuntimeDefault' };
    };
    containers: Container[];
  };
}

export interface Namespace {
  apiVersion: 'v1';
  kind: 'Namespace';
  metadata: ObjectMeta;
}

export interface NetworkPolicy {
  apiVersion: 'networking.k8s.io/v1';
  kind: 'NetworkPolicy';
  metadata: ObjectMeta;
  spec: {
    podSelector: Record<string, never>;
    policyTypes: ['Ingress'];
    ingress: { from: ({ podSelector: Record<string, never> } | { namespaceSelector: LabelSelector })[] }[];
  };
}

export interface Service {
  apiVersion: 'v1';
  kind: 'Service';
  metadata: ObjectMeta;
  spec:
    | {
        type: 'ClusterIP';
        /** `None` for the headless Service of a StatefulSet. */
        clusterIP?: 'None';
        selector: Record<string, string>;
        ports: { name: string; port: number; targetPort: string; protocol: 'TCP' }[];
      }
    | { type: 'ExternalName'; externalName: string; ports: { name: string; port: number; protocol: 'TCP' }[] };
}

export interface Deployment {
  apiVersion: 'apps/v1';
  kind: 'Deployment';
  metadata: ObjectMeta;
  spec: {
    /** Left out when a HorizontalPodAutoscaler owns the count, so an apply never resets it. */
    replicas?: number;
    selector: LabelSelector;
    strategy: { type: 'RollingUpdate'; rollingUpdate: { maxUnavailable: 0; maxSurge: number } };
    progressDeadlineSeconds: number;
    revisionHistoryLimit: number;
    template: PodTemplate;
  };
}

export interface StatefulSet {
  apiVersion: 'apps/v1';
  kind: 'StatefulSet';
  metadata: ObjectMeta;
  spec: {
    replicas: 1;
    serviceName: string;
    selector: LabelSelector;
    updateStrategy: { type: 'RollingUpdate' };
    persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete' | 'Retain'; whenScaled: 'Retain' };
    template: PodTemplate;
    volumeClaimTemplates: {
      metadata: { name: string; labels: Record<string, string> };
      spec: {
        accessModes: ['ReadWriteOnce'];
        storageClassName?: string;
        resources: { requests: { storage: string } };
      };
    }[];
  };
}

export interface PodDisruptionBudget {
  apiVersion: 'policy/v1';
  kind: 'PodDisruptionBudget';
  metadata: ObjectMeta;
  spec: { minAvailable: number; selector: LabelSelector; unhealthyPodEvictionPolicy: 'AlwaysAllow' };
}

export interface HorizontalPodAutoscaler {
  apiVersion: 'autoscaling/v2';
  kind: 'HorizontalPodAutoscaler';
  metadata: ObjectMeta;
  spec: {
    scaleTargetRef: { apiVersion: 'apps/v1'; kind: 'Deployment'; name: string };
    minReplicas: number;
    maxReplicas: number;
    metrics: {
      type: 'Resource';
      resource: { name: 'cpu'; target: { type: 'Utilization'; averageUtilization: number } };
    }[];
  };
}

export interface Ingress {
  apiVersion: 'networking.k8s.io/v1';
  kind: 'Ingress';
  metadata: ObjectMeta;
  spec: {
    ingressClassName?: string;
    rules: {
      host: string;
      http: {
        paths: { path: '/'; pathType: 'Prefix'; backend: { service: { name: string; port: { name: string } } } }[];
      };
    }[];
  };
}

export type KubernetesObject =
  | Namespace
  | NetworkPolicy
  | Service
  | Deployment
  | StatefulSet
  | PodDisruptionBudget
  | HorizontalPodAutoscaler
  | Ingress;

export type KubernetesKind = KubernetesObject['kind'];

export interface ComponentResources {
  requests: { cpu: string; memory: string };
  /** No CPU limit unless asked: CPU limits throttle latency-sensitive servers; memory limits prevent noisy neighbours. */
  limits: { cpu?: string; memory: string };
}

export interface AutoscalingOptions {
  minReplicas: number;
  maxReplicas: number;
  /** Average CPU use, as a percentage of the CPU request, that the autoscaler aims for. */
  cpuUtilization: number;
}

export interface ComponentOptions {
  resources?: ComponentResources;
  autoscaling?: AutoscalingOptions;
  /** Storage only: use this managed database instead of running one (an ExternalName Service, no StatefulSet). */
  external?: { host: string };
}

export interface KubernetesOptions {
  /** Namespaces are `<prefix><project>-<env>`. */
  namespacePrefix: string;
  ingressClassName: string | undefined;
  /** The namespace the ingress controller runs in: the only other namespace allowed to reach the pods. */
  ingressControllerNamespace: string;
  /** Front and back defaults. */
  resources: ComponentResources;
  storageResources: ComponentResources;
  /** Per `<module>/<component>`. */
  components: Record<string, ComponentOptions>;
  /** Capped at replicas - 1, so a single replica never blocks a node drain. */
  pdbMinAvailable: number;
  /** Counts from the start of the preStop pause; must exceed it so in-flight requests can finish after it. */
  terminationGracePeriodSeconds: number;
  /** How long a terminating pod keeps serving while endpoints and the ingress controller stop routing to it. */
  preStopSeconds: number;
  /** Front and back run as this uid (the `node` user of node images is 1000). */
  runAsUser: number;
  storage: {
    className: string | undefined;
    size: string;
    /** The postgres image's `postgres` user. */
    runAsUser: number;
    /** Where the volume is mounted; the data lives one level down (PGDATA), as a fresh volume may hold lost+found. */
    mountPath: string;
  };
}
