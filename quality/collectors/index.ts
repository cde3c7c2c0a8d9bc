// The registry of collectors: one per tool, looked up by id.
import type { CollectorId } from '../types.js';
import { auditCollector } from './audit.js';
import { coverageCollector } from './coverage.js';
import { duplicationCollector } from './duplication.js';
import { eslintCollector } from './eslint.js';
import { imagesCollector } from './images.js';
import { loadtestCollector } from './loadtest.js';
import { sonarCollector } from './sonar.js';
import type { Collector } from './types.js';
import { typescriptCollector } from './typescript.js';

export const COLLECTORS: Record<CollectorId, Collector> = {
  coverage: coverageCollector,
  eslint: eslintCollector,
  duplication: duplicationCollector,
  typescript: typescriptCollector,
  audit: auditCollector,
  images: imagesCollector,
  sonar: sonarCollector,
  loadtest: loadtestCollector,
};

export type { Collector, CollectContext, AnalysisScope } from './types.js';
