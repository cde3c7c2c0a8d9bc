// The Platform interface every forge adapter implements (gitlab, github, local), and the values it exchanges.

export type PlatformName = 'gitlab' | 'github' | 'local';
export const PLATFORM_NAMES: readonly PlatformName[] = ['gitlab', 'github', 'local'];

/** A GitLab merge request or a GitHub pull request. */
export interface ChangeRequest {
  /** GitLab's iid or GitHub's number, as text. */
  number: string;
  /** The source branch. */
  branch: string;
  /** The commit at the head of the source branch, when known. */
  sha?: string;
  url?: string;
}

/** Where the run happens, as the CI's own variables tell it. */
export interface RunFacts {
  /** The commit the pipeline runs for (GitLab CI_COMMIT_SHA; GitHub the pull request's head, else GITHUB_SHA). */
  sha: string | undefined;
  /** The branch (or tag) the pipeline runs for. */
  ref: string | undefined;
  tag: boolean;
  /** The pipeline's or workflow run's page, for links from statuses and deployments. */
  runUrl: string | undefined;
  /** The merge request the CI names (GitLab CI_MERGE_REQUEST_IID; GitHub the pull_request event). */
  changeRequest: ChangeRequest | undefined;
}

export type AnnotationLevel = 'notice' | 'warning' | 'failure';

/** A finding tied to lines of a file in the repository (path relative to the repository root, with `/`). */
export interface Annotation {
  path: string;
  startLine: number;
  endLine: number;
  level: AnnotationLevel;
  /** The condition or rule, e.g. `new_coverage`. */
  title: string;
  message: string;
}

/** `neutral`: nothing was judged (no gate, no load test in this pipeline). */
export type ReportState = 'success' | 'failure' | 'neutral';

export interface StatusReport {
  /** The commit the status or check run belongs to. */
  sha: string;
  /** `slipway` (per project: `slipway/<project>`), the status context or check run name. */
  name: string;
  state: ReportState;
  /** One line: GitLab's status description, GitHub's check run title. */
  title: string;
  /** The Markdown report (GitHub's check run summary; kept in a file by the local adapter). */
  summary: string;
  annotations: Annotation[];
  targetUrl: string | undefined;
}

export interface StatusResult {
  /** GitLab's status id, GitHub's check run id, the local file. */
  id: string;
  url: string | undefined;
  /** Annotations sent (GitHub), in this many requests. */
  annotations: number;
  requests: number;
}

export interface CommentResult {
  id: string;
  action: 'created' | 'updated';
  url: string | undefined;
}

export interface DeploymentRecord {
  /** slipway's environment name (`feature-login`). */
  environment: string;
  /** The branch's slug (GitLab's CI_COMMIT_REF_SLUG), which GitLab's environment names use. */
  slug: string;
  branch: string;
  url: string;
  sha: string;
  ref: string;
  tag: boolean;
  /** A preview lives as long as its branch (GitHub `transient_environment`). */
  transient: boolean;
  logUrl: string | undefined;
}

export interface DeploymentResult {
  /** The forge's name for the environment (`preview/feature-login`). */
  environment: string;
  id: string;
  url: string;
}

export interface ReleaseRecord {
  tag: string;
  /** The release title, e.g. `v1.2.0` or `students 1.2.0`. */
  name: string;
  notes: string;
  /** The commit the tag points at. */
  commit: string;
}

export interface ReleaseResult {
  tag: string;
  action: 'created' | 'updated';
  url: string | undefined;
}

export interface Platform {
  readonly name: PlatformName;
  /** What the CI variables say about this run. */
  readonly facts: RunFacts;
  /** The open merge request of this run, from the CI variables, else found by its source branch. */
  changeRequest(branch: string | undefined): Promise<ChangeRequest | undefined>;
  /** Creates the comment, or edits the one whose body starts with `marker`: one comment per marker, never two. */
  upsertComment(changeRequest: ChangeRequest, marker: string, body: string): Promise<CommentResult>;
  /** GitLab: a commit status. GitHub: a check run with the annotations (50 per request). Local: a file. */
  reportStatus(status: StatusReport): Promise<StatusResult>;
  /** Records a deployment of the environment at its URL. */
  recordDeployment(deployment: DeploymentRecord): Promise<DeploymentResult>;
  /** Creates the release of an existing (pushed) tag, or updates its notes. */
  createRelease(release: ReleaseRecord): Promise<ReleaseResult>;
  /** Source branches of the open merge requests (GitLab) or pull requests (GitHub); local branches for `local`. */
  openBranches(): Promise<string[]>;
}
