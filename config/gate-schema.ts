// The zod schema of the `gate` block of slipway.config.ts; kept beside the main schema, used by quality/.
import { z } from 'zod';

export const severitySchema = z.enum(['info', 'minor', 'major', 'critical', 'blocker']);

/** Every threshold optional: what a module overrides. */
export const thresholdsSchema = z.strictObject({
  /** Minimum percent of coverable changed lines that tests execute. */
  newCoverage: z.number().min(0).max(100).optional(),
  /** Maximum percent of changed lines that are duplicated elsewhere. */
  newDuplication: z.number().min(0).max(100).optional(),
  /** Issues on changed lines at or above this severity count against `maxNewIssues`. */
  newIssueSeverity: severitySchema.optional(),
  maxNewIssues: z.number().int().min(0).optional(),
  /** Changes with fewer new lines than this are not judged on coverage and duplication. */
  minNewLines: z.number().int().min(0).optional(),
});

const argvSchema = z.array(z.string().min(1)).min(1, { error: 'expected a command as an argv array' });

/** How to get one tool's findings: auto-detect (default), run a command, or read an existing report. */
export const toolSchema = z.strictObject({
  /** false turns the collector off; true insists on it (failing when the tool is missing). */
  enabled: z.boolean().optional(),
  /** Run this argv instead of the detected command (no shell). */
  command: argvSchema.optional(),
  /** Read this report (relative to the project) instead of what slipway's own command writes. */
  report: z.string().min(1).optional(),
});

const toleranceSchema = z.union([
  z.number().min(0),
  z.string().regex(/^\d+(\.\d+)?%$/, { error: 'expected a number or a percentage such as "5%"' }),
]);

export const gateConfigSchema = z.strictObject({
  thresholds: thresholdsSchema.optional(),
  /** Overrides keyed by path prefix (`packages/legacy`); the longest matching prefix wins. */
  modules: z.record(z.string().min(1), thresholdsSchema).optional(),
  overall: z
    .strictObject({
      /** Compare overall metrics with the target branch's baseline (the ratchet). */
      enabled: z.boolean().optional(),
      /** How much worse a metric may get: keys are metric ids or prefixes ending in `*` (`image.*`). */
      tolerance: z.record(z.string(), toleranceSchema).optional(),
      /** Metric ids (or prefixes ending in `*`) the ratchet ignores. */
      ignore: z.array(z.string()).optional(),
    })
    .optional(),
  coverage: toolSchema
    .extend({
      /** Globs of files not judged on coverage, on top of tests, declarations and config files. */
      exclude: z.array(z.string()).optional(),
    })
    .optional(),
  eslint: toolSchema
    .extend({
      /** `changed` lints only changed files on a merge request (the baseline keeps the rest); `all` lints everything. */
      scope: z.enum(['changed', 'all']).optional(),
    })
    .optional(),
  duplication: toolSchema
    .extend({
      minTokens: z.number().int().min(1).optional(),
      minLines: z.number().int().min(1).optional(),
      ignore: z.array(z.string()).optional(),
    })
    .optional(),
  typescript: toolSchema.extend({ project: z.string().min(1).optional() }).optional(),
  audit: toolSchema.optional(),
  images: z
    .strictObject({
      enabled: z.boolean().optional(),
      /** The build manifest written by `slipway build`. */
      manifest: z.string().min(1).optional(),
    })
    .optional(),
  /** The report `slipway loadtest` writes (`.slipway/loadtest/report.json`): its thresholds and comparison join the verdict. */
  loadtest: toolSchema.optional(),
  sonar: z
    .strictObject({
      hostUrl: z.url({ error: 'expected the SonarQube URL, e.g. https://sonar.example.com' }),
      projectKey: z.string().min(1),
      /** Environment variable holding the token. */
      tokenEnv: z.string().min(1).optional(),
      /** Run the scanner first (`sonar-scanner`, from the sonarqube-scanner package); false reads the last analysis. */
      scan: z.union([z.boolean(), argvSchema]).optional(),
      /** Seconds to wait for the server to process the analysis. */
      timeoutSeconds: z.number().int().min(1).optional(),
    })
    .optional(),
  reports: z
    .strictObject({
      codeclimate: z.string().min(1).optional(),
      sarif: z.string().min(1).optional(),
      junit: z.string().min(1).optional(),
      markdown: z.string().min(1).optional(),
    })
    .optional(),
  baseline: z
    .strictObject({
      /** `git-ref` keeps baselines under refs/slipway/baselines/<branch>; `file` in a JSON file (a CI artifact). */
      storage: z.enum(['git-ref', 'file']).optional(),
      /** For `file` storage: the path; `{branch}` is replaced by the branch name. */
      file: z.string().min(1).optional(),
      /** Remote the git ref is fetched from and pushed to. */
      remote: z.string().min(1).optional(),
    })
    .optional(),
});
