import * as vscode from 'vscode';
import type { CheckResult } from '../core/report';

export type SmokeState = 'running' | 'passed' | 'failed' | 'cancelled';

export interface SmokeStepView {
  name: string;
  state: 'running' | 'passed' | 'failed' | 'skipped';
  durationMs?: number;
  detail?: string;
}

/** The last smoke run of one platform, as the view and the status bar show it. */
export interface PlatformSmoke {
  platform: string;
  /** The configured image (its name) of a repository with several; undefined with one image. */
  imageName?: string;
  /** The image reference, or for a local build the Dockerfile it was built from. */
  image: string;
  /** Built from the repository's Dockerfile (smoke --build): a re-run builds again rather than pulling `image`. */
  build?: boolean;
  state: SmokeState;
  startedAt: number;
  durationMs?: number;
  steps: SmokeStepView[];
  /** What failed, in words. */
  message?: string;
  /** The container's exit code, when it exited. */
  exit?: string;
  /** Evidence of a failure: the container's `docker ps -a` row and its log tail. */
  psRow?: string;
  logs?: string[];
  /** The run as the gate's smoke row (an image's run, not a local build): what the Readiness view shows. */
  check?: CheckResult;
}

const key = (platform: string, imageName?: string) =>
  imageName === undefined ? platform : `${imageName}\n${platform}`;

/**
 * Last smoke result per platform (per image and platform with several images) for the current repository; the tree
 * and the status bar listen to it.
 */
export class SmokeResults implements vscode.Disposable {
  private readonly byPlatform = new Map<string, PlatformSmoke>();
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;

  all(): PlatformSmoke[] {
    return [...this.byPlatform.values()].sort(
      (a, b) => (a.imageName ?? '').localeCompare(b.imageName ?? '') || a.platform.localeCompare(b.platform),
    );
  }

  get(platform: string, imageName?: string): PlatformSmoke | undefined {
    return this.byPlatform.get(key(platform, imageName));
  }

  set(result: PlatformSmoke): void {
    this.byPlatform.set(key(result.platform, result.imageName), { ...result, steps: [...result.steps] });
    this.changed.fire();
  }

  /** Adds or updates one step of a running platform. */
  step(platform: string, step: SmokeStepView, imageName?: string): void {
    const r = this.byPlatform.get(key(platform, imageName));
    if (!r) return;
    const i = r.steps.findIndex((s) => s.name === step.name);
    if (i >= 0) r.steps[i] = step;
    else r.steps.push(step);
    this.changed.fire();
  }

  clear(): void {
    this.byPlatform.clear();
    this.changed.fire();
  }

  dispose(): void {
    this.changed.dispose();
  }
}
