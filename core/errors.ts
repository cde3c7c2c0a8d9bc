// The error catalog: every failure slipway reports has a code, a one-line message, a fix, and an exit code.

/** 0 ok, 1 gate or verification failed, 2 usage or config error, 3 engine or network failure. */
export type ExitCode = 0 | 1 | 2 | 3;

export type ErrorCode =
  | 'USAGE'
  | 'CONFIG_NOT_FOUND'
  | 'CONFIG_LOAD'
  | 'CONFIG_INVALID'
  | 'UNKNOWN_COMPONENT'
  | 'CONTEXT_MISSING'
  | 'DOCKERFILE_MISSING'
  | 'DOCKERFILE_INVALID'
  | 'BASE_IMAGE_MISSING'
  | 'SECRET_MISSING'
  | 'BUILD_FAILED'
  | 'PUSH_FAILED'
  | 'ENGINE_UNREACHABLE'
  | 'ENGINE_ERROR'
  | 'REGISTRY_UNREACHABLE'
  | 'REGISTRY_ERROR'
  | 'GIT_FAILED'
  | 'TOOL_MISSING'
  | 'TOOL_FAILED'
  | 'VERIFICATION_FAILED'
  | 'BASE_NOT_FOUND'
  | 'NO_MERGE_BASE'
  | 'REPORT_INVALID'
  | 'BASELINE_INVALID'
  | 'SONAR_FAILED'
  | 'INTERNAL'
  | 'PORT_IN_USE'
  | 'ROUTER_ERROR'
  | 'ROUTE_INVALID'
  | 'LOCKED'
  | 'ENV_NOT_FOUND'
  | 'COMMIT_MISMATCH'
  | 'ENV_FAILED'
  | 'TAG_EXISTS'
  | 'HISTORY_INCOMPLETE'
  | 'NOT_A_REPOSITORY'
  | 'ENV_NOT_READY'
  | 'LOADTEST_SCRIPT_INVALID'
  | 'LOADTEST_TIMEOUT'
  | 'TARGET_UNREACHABLE'
  | 'WEBHOOK_SECRET_MISSING'
  | 'KUBECONFIG_NOT_FOUND'
  | 'KUBE_CONTEXT_NOT_FOUND'
  | 'KUBE_UNAUTHORIZED'
  | 'KUBE_FORBIDDEN'
  | 'QUOTA_EXCEEDED'
  | 'IMAGE_PULL_FAILED'
  | 'NAMESPACE_TERMINATING'
  | 'PLATFORM_CONFIG'
  | 'PLATFORM_AUTH'
  | 'PLATFORM_ERROR';

const EXIT_CODES: Record<ErrorCode, ExitCode> = {
  USAGE: 2,
  CONFIG_NOT_FOUND: 2,
  CONFIG_LOAD: 2,
  CONFIG_INVALID: 2,
  UNKNOWN_COMPONENT: 2,
  CONTEXT_MISSING: 2,
  DOCKERFILE_MISSING: 2,
  DOCKERFILE_INVALID: 2,
  BASE_IMAGE_MISSING: 3,
  SECRET_MISSING: 2,
  BUILD_FAILED: 1,
  PUSH_FAILED: 3,
  ENGINE_UNREACHABLE: 3,
  ENGINE_ERROR: 3,
  REGISTRY_UNREACHABLE: 3,
  REGISTRY_ERROR: 3,
  GIT_FAILED: 3,
  TOOL_MISSING: 3,
  TOOL_FAILED: 3,
  VERIFICATION_FAILED: 1,
  BASE_NOT_FOUND: 2,
  NO_MERGE_BASE: 2,
  REPORT_INVALID: 3,
  BASELINE_INVALID: 3,
  SONAR_FAILED: 3,
  INTERNAL: 3,
  LOCKED: 3,
  ENV_NOT_FOUND: 2,
  // `promote --commit`: the source environment runs another commit than the one the pipeline tested and tagged
  COMMIT_MISMATCH: 1,
  ENV_FAILED: 1,
  PORT_IN_USE: 3,
  ROUTER_ERROR: 3,
  ROUTE_INVALID: 2,
  // a concurrent release took the version: a verification failed, not an outage; re-plan after fetching the tags
  TAG_EXISTS: 1,
  HISTORY_INCOMPLETE: 2,
  NOT_A_REPOSITORY: 2,
  // the environment exists but its last `env up` failed or never finished: load-testing it would measure nothing
  ENV_NOT_READY: 2,
  LOADTEST_SCRIPT_INVALID: 2,
  LOADTEST_TIMEOUT: 3,
  TARGET_UNREACHABLE: 3,
  // `slipway serve` never listens without a secret: every request would be rejected, or worse, trusted
  WEBHOOK_SECRET_MISSING: 2,
  // the Kubernetes engine: a kubeconfig or context the config names that does not exist is a configuration error
  KUBECONFIG_NOT_FOUND: 2,
  KUBE_CONTEXT_NOT_FOUND: 2,
  // the API server refused the credentials (401: expired or revoked) or the action (403, RBAC)
  KUBE_UNAUTHORIZED: 3,
  KUBE_FORBIDDEN: 3,
  // the cluster refused the resources (a ResourceQuota): nothing is wrong with the build; raise the quota or lower
  // the requests. The rollout was rolled back.
  QUOTA_EXCEEDED: 3,
  // the cluster could not pull a release's image (a wrong digest, a missing push): the release failed verification
  IMAGE_PULL_FAILED: 1,
  NAMESPACE_TERMINATING: 3,
  // a forge adapter chosen (or detected) without the CI variables it needs: fix the job's variables
  PLATFORM_CONFIG: 2,
  // the forge rejected the token (expired, revoked, missing scope): the message names the variable to fix
  PLATFORM_AUTH: 3,
  PLATFORM_ERROR: 3,
};

export interface SlipwayErrorOptions {
  /** What the user should do about it, one sentence. */
  fix: string;
  /** Extra lines shown under the message (each config problem, the last log lines of a failed build). */
  details?: string[];
  cause?: unknown;
}

export class SlipwayError extends Error {
  readonly code: ErrorCode;
  readonly fix: string;
  readonly details: string[];

  constructor(code: ErrorCode, message: string, options: SlipwayErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SlipwayError';
    this.code = code;
    this.fix = options.fix;
    this.details = options.details ?? [];
  }

  get exitCode(): ExitCode {
    return EXIT_CODES[this.code];
  }
}

export function exitCodeOf(code: ErrorCode): ExitCode {
  return EXIT_CODES[code];
}

export function isSlipwayError(error: unknown): error is SlipwayError {
  return error instanceof SlipwayError;
}

/** Turns anything thrown into a SlipwayError, so every failure reaches the user through the same path. */
export function toSlipwayError(error: unknown): SlipwayError {
  if (error instanceof SlipwayError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new SlipwayError('INTERNAL', `unexpected failure: ${message}`, {
    fix: 'rerun with --debug and report the stack trace',
    cause: error,
  });
}

/** The one line printed for an error: the problem, then the fix. */
export function formatError(error: SlipwayError): string {
  return `error ${error.code}: ${error.message} (fix: ${error.fix})`;
}

export function errorJson(error: SlipwayError): { code: ErrorCode; message: string; fix: string; details: string[] } {
  return { code: error.code, message: error.message, fix: error.fix, details: error.details };
}
