// Two projects: fast unit tests beside the code, and engine-backed tests under test/ that run one file at a time.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    coverage: {
      provider: 'v8',
      include: [
        '{cli,config,core,engines,environments,image-builder,loadtest,pipelines,platforms,quality,registry,release}/**/*.ts',
      ],
      exclude: ['**/*.test.ts'],
    },
    projects: [
      {
        test: {
          name: 'unit',
          include: [
            '{cli,config,core,engines,environments,image-builder,loadtest,pipelines,platforms,quality,registry,release}/**/*.test.ts',
          ],
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/**/*.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
