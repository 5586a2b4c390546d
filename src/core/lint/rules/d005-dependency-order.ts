import type { DockerfileRule } from './rule';

const MANIFESTS =
  /(^|\/)(Cargo\.(toml|lock|\*)|go\.(mod|sum)|package(-lock)?\.json|npm-shrinkwrap\.json|yarn\.lock|pnpm-lock\.yaml|bun\.lockb?|requirements[^/]*\.txt|pyproject\.toml|poetry\.lock|uv\.lock|Pipfile(\.lock|\*)?|Gemfile(\.lock)?|pom\.xml|build\.gradle(\.kts)?|composer\.(json|lock)|mix\.(exs|lock)|recipe\.json|[\w.-]+\.cabal)$/;
/** Steps that fetch or build dependencies (the ones a cache should keep across source changes). */
const DEP_STEP =
  /\b(cargo\s+(build|fetch|install|chef\s+cook)|go\s+(build|mod\s+download|install)|npm\s+(ci|install|i)\b|yarn(\s+install)?\s*($|&&|;|\\|--)|pnpm\s+(install|i)\b|pip3?\s+install|poetry\s+install|uv\s+sync|bundle\s+install|mvn\b|gradle\b|composer\s+install|mix\s+deps\.get|cabal\s+(install|build))/;
/** A cache mount keeps downloaded dependencies whatever the layer cache does. */
const CACHE_MOUNT = /--mount=[^\s]*type=cache/;

export const dependencyOrder: DockerfileRule = {
  id: 'RO-D005',
  kind: 'dockerfile',
  defaultSeverity: 'info',
  examines: 'dependency steps after a broad COPY',
  title: 'Dependency metadata is not copied before the sources',
  explanation:
    'Copying the whole source tree before the dependency step invalidates the layer cache on every change to any file, so every release build ' +
    're-downloads and rebuilds all dependencies: slow release pipelines, emulated arm64 builds that hit the job timeout, and rate limits from ' +
    'package registries. Copy the manifest and lock file first, fetch dependencies, then copy the sources. Dependency-first layouts (cargo-chef ' +
    'recipes, a dummy build on the manifests, `go mod download` first) and cache mounts are recognised.',
  check({ model, examine }) {
    return model.stages.flatMap((stage) => {
      const ins = stage.instructions;
      const broad = ins.findIndex(
        (i) =>
          (i.keyword === 'COPY' || i.keyword === 'ADD') &&
          !i.flags.from &&
          i.argv.slice(0, -1).some((s) => s === '.' || s === './'),
      );
      if (broad < 0) return [];
      const step = ins.slice(broad + 1).find((i) => i.keyword === 'RUN' && DEP_STEP.test(i.args));
      if (!step) return [];
      examine('dependency steps after a broad COPY');
      if (CACHE_MOUNT.test(step.flagText)) return [];
      const earlier = ins.slice(0, broad);
      const metaFirst = earlier.some(
        (i) =>
          ((i.keyword === 'COPY' || i.keyword === 'ADD') && i.argv.slice(0, -1).some((s) => MANIFESTS.test(s))) ||
          (i.keyword === 'RUN' &&
            (DEP_STEP.test(i.args) || /--mount=[^\s]*(Cargo|go\.mod|package|requirements|pyproject)/.test(i.flagText))),
      );
      if (metaFirst) return [];
      const what = DEP_STEP.exec(step.args)![0].trim();
      return [
        {
          message:
            `${ins[broad].keyword} ${ins[broad].argv.join(' ')} comes before "${what}" (line ` +
            `${step.region.line}) with no manifest or lock file copied first: any source change rebuilds ` +
            `every dependency.`,
          region: ins[broad].region,
          evidence: [
            { message: 'copies the whole context', region: ins[broad].region },
            { message: `then fetches or builds dependencies: ${what}`, region: step.region },
          ],
        },
      ];
    });
  },
};
