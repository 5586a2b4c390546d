/**
 * Builder images by toolchain hash: where a workflow tags a builder image with a hash of its toolchain (a
 * Dockerfile's hashFiles, versions in env) and builds it only when the registry lacks it, the reference for the
 * toolchain as it is now (evaluated exactly, or said as not evaluated with the reason), whether the registry has
 * it, and the glibc it provides.
 */
export { builderStatus, type BuilderDeps, type BuilderStatus } from './status';
