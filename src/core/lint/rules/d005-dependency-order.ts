import type { DockerfileRule } from './rule';

const MANIFESTS =
  /(^|\/)(Cargo\.(toml|lock)|go\.(mod|sum)|package(-lock)?\.json|npm-shrinkwrap\.json|yarn\.lock|pnpm-lock\.yaml|requirements[^/]*\.txt|pyproject\.toml|poetry\.lock|uv\.lock|Pipfile(\.lock)?|Gemfile(\.lock)?|pom\.xml|build\.gradle(\.kts)?|composer\.(json|lock)|mix\.(exs|lock))$/;
const DEP_STEP =
  /\b(cargo\s+(build|fetch|install|chef)|go\s+(build|mod\s+download|install)|npm\s+(ci|install|i)\b|yarn(\s+install)?\b|pnpm\s+(install|i)\b|pip3?\s+install|poetry\s+install|uv\s+sync|bundle\s+install|mvn\b|gradle\b|composer\s+install|mix\s+deps\.get)/;

export const dependencyOrder: DockerfileRule = {
  id: 'RO-D005',
  kind: 'dockerfile',
  defaultSeverity: 'info',
  title: 'Dependency metadata is not copied before the sources',
  explanation:
    'Copying the whole source tree before the dependency step invalidates the layer cache on every change to any file, so every release build ' +
    're-downloads and rebuilds all dependencies: slow release pipelines, emulated arm64 builds that hit the job timeout, and rate limits from ' +
    'package registries. Copy the manifest and lock file first, fetch dependencies, then copy the sources.',
  check({ model }) {
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
      const earlier = ins.slice(0, broad);
      const metaFirst = earlier.some(
        (i) =>
          ((i.keyword === 'COPY' || i.keyword === 'ADD') && i.argv.slice(0, -1).some((s) => MANIFESTS.test(s))) ||
          (i.keyword === 'RUN' && /--mount=[^\s]*(Cargo|go\.mod|package|requirements|pyproject)/.test(i.args)),
      );
      if (metaFirst) return [];
      const what = DEP_STEP.exec(step.args)![0];
      return [
        {
          message: `${ins[broad].keyword} ${ins[broad].argv.join(' ')} comes before "${what}" (line ${step.region.line}) with no manifest or lock file copied first: any source change rebuilds every dependency.`,
          region: ins[broad].region,
        },
      ];
    });
  },
};
