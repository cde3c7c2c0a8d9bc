// What the GitLab adapter needs, read from GitLab CI's predefined variables (and slipway's token variable).
import type { RunFacts } from '../types.js';

export interface GitlabSettings {
  /** CI_API_V4_URL, e.g. `https://gitlab.example.com/api/v4`. */
  apiUrl: string;
  /** The instance's address gitbeaker appends `/api/v4` to. */
  host: string;
  /** CI_PROJECT_ID, else CI_PROJECT_PATH. */
  project: string;
  /** CI_PROJECT_URL, for links to notes and merge requests. */
  projectUrl: string | undefined;
  token: string;
  /** `private`: a project, group or personal access token sent as PRIVATE-TOKEN; `job`: CI_JOB_TOKEN as JOB-TOKEN. */
  tokenKind: 'private' | 'job';
  /** The variable the token came from, named in errors; never the token. */
  tokenVariable: 'SLIPWAY_GITLAB_TOKEN' | 'CI_JOB_TOKEN';
  /** CI_PIPELINE_ID: a commit status joins this pipeline. */
  pipelineId: number | undefined;
  facts: RunFacts;
}
