/**
 * The gate: the release pipeline's stages, each a readiness report (core/report) over the engines.
 *
 *   const { report, digest, platformDigests } = await runGate(
 *     { stage: 'pre-push', image: 'ghcr.io/o/n', version: '1.2.3', platforms: ['linux/amd64', 'linux/arm64'],
 *       local: [{ platform: 'linux/amd64', reference: 'app:amd64' }, ...], record: defaultRecordPath(env, tmpdir),
 *       root, timeoutSeconds: 900 },
 *     { config, runner: runProcess, registry, signal, logger, onEvent },
 *   );
 *
 * - pre-push: pipeline lint, glibc and smoke per platform on local images (flow 'local') or candidates pushed by
 *   digest (flow 'candidate'); writes a record of what it tested when it passes.
 * - post-push: the pushed image has every required platform (attestations never count), its labels name the
 *   version and commit, each platform is the image pre-push tested (config digests), its tags are where the plan
 *   says.
 * - pre-release: the version's image exists with every platform, before the GitHub Release is published; with
 *   glibc.assets (or releaseAssets), the glibc floor of the Release's assets, a draft's too (checks/assets.ts).
 * - post-release: the release consistency audit for the version.
 */
export { runGate } from './run';
export { runGateForImages, type ImageGate } from './images';
export { faultResult } from './guard';
export { wantsReleaseAssets } from './checks/assets';
export { defaultRecordPath, readRecords, writeRecord, type RecordLookup } from './record';
export { releaseTags, type ReleaseTags } from './plan';
export { checkImagesGlibc, type ImageGlibc } from './image-glibc';
export { renderGateText } from './text';
export type {
  GateDeps,
  GateEvent,
  GateFlow,
  GateGitHub,
  GateRecord,
  GateRequest,
  GateResult,
  GateStage,
  LocalImage,
  TestedPlatform,
} from './types';
export { gateFacts, type GateFacts } from './facts';
export { type KnownSmoke, type ReadinessRequest } from './readiness';
export { readinessForImages, type ImageReadiness } from './readiness-images';
export { smokeChecks } from './checks/smoke';
export { glibcCheck } from './checks/glibc';
export {
  chooseImages,
  localsByImage,
  parseLocalImage,
  refuseSharedReferences,
  type ChosenImage,
  type NamedLocalImage,
} from './select';
