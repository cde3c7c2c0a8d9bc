// Validators for the gate's reports against the reference schemas in ../shared/schemas (ajv; xmllint for the XSD).
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Ajv } from 'ajv';
import ajvDraft04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { SLIPWAY_ROOT } from '../helpers/git-repo.js';

export const SCHEMAS_DIR = path.resolve(SLIPWAY_ROOT, '..', 'shared', 'schemas');

function schema(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(SCHEMAS_DIR, name), 'utf8')) as Record<string, unknown>;
}

/** Errors of each Code Quality entry (GitLab stops at the first invalid one), or [] when valid. */
export function codeClimateErrors(report: string): string[] {
  const ajv = new Ajv({ allErrors: true, strict: false });
  const validate = ajv.compile(schema('gitlab-code-quality-entry.schema.json'));
  const entries = JSON.parse(report) as unknown[];
  if (!Array.isArray(entries)) return ['the report is not an array'];
  return entries.flatMap((entry, i) => (validate(entry) ? [] : [`entry ${i}: ${ajv.errorsText(validate.errors)}`]));
}

// both packages are CommonJS with `exports.default`: take whichever shape the loader hands over
const AjvDraft04 = ((ajvDraft04 as unknown as { default?: typeof Ajv }).default ?? ajvDraft04) as unknown as typeof Ajv;
const applyFormats = ((addFormats as unknown as { default?: unknown }).default ?? addFormats) as (ajv: Ajv) => void;

export function sarifErrors(report: string): string[] {
  const ajv = new AjvDraft04({ allErrors: true, strict: false });
  applyFormats(ajv);
  const validate = ajv.compile(schema('sarif-2.1.0.schema.json'));
  return validate(JSON.parse(report)) ? [] : [ajv.errorsText(validate.errors)];
}

/** Validates JUnit XML against junit.xsd with xmllint (Debian package libxml2-utils). */
export function junitErrors(report: string): string[] {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'slipway-junit-'));
  try {
    const file = path.join(dir, 'junit.xml');
    writeFileSync(file, report);
    execFileSync('xmllint', ['--noout', '--schema', path.join(SCHEMAS_DIR, 'junit.xsd'), file], { stdio: 'pipe' });
    return [];
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? String(error);
    return stderr.trim().split('\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
