/**
 * Which Release assets can hold Linux binaries, by name, before anything is downloaded: checksums, signatures,
 * attestations, documents and builds for other systems are listed as skipped with the reason. Everything else is
 * downloaded and read by its bytes (a name never makes an asset pass: one that holds no Linux binary is skipped
 * after reading, and says so).
 */
export type AssetDisposition = { check: true; arch?: string } | { check: false; reason: string };

const SKIP: Array<[RegExp, string]> = [
  [
    /(^|[._-])(sha(1|224|256|384|512)?sums?|md5sums?|checksums?)([._-]|$)|\.(sha(1|224|256|384|512)?|md5|b2|blake3)(sum)?$/i,
    'a checksum file',
  ],
  [/\.(sig|asc|gpg|pem|crt|cert|minisig|sigstore|bundle)$/i, 'a signature or certificate'],
  [
    /\.(intoto\.jsonl|spdx(\.json)?|cdx\.json|sbom(\.json)?|provenance(\.json)?|att)$|(^|[._-])(sbom|provenance)([._-]|$)/i,
    'an SBOM or attestation',
  ],
  [/\.(txt|md|rst|html?|pdf|json|ya?ml|toml|xml|csv)$/i, 'a document or data file'],
  [/(^|[._-])(darwin|macos|mac|osx|apple)([._-]|$)|\.(dmg|pkg|app\.zip)$|macosx_\d+/i, 'a macOS build'],
  [
    /(^|[._-])(windows|win(32|64)?|mingw\w*|msvc)([._-]|$)|\.(exe|msi|msix|appx|dll|nupkg)$|win_(amd64|arm64|32)\.whl$/i,
    'a Windows build',
  ],
  [/(^|[._-])(freebsd|openbsd|netbsd|illumos|solaris|android|ios)([._-]|$)/i, 'a build for another system'],
  [/musllinux_\d+_\d+|(^|[._-])(musl|alpine)([._-]|$)/i, 'a musl build (glibc policies do not apply)'],
  [/\.(deb|rpm|apk|snap|flatpak|appimage)$/i, 'a distribution package (not read)'],
  [/-none-any\.whl$|-py3-none-any\.whl$/i, 'a pure-Python wheel'],
  [/\.(js|mjs|cjs|d\.ts|py|sh|ps1)$/i, 'a script'],
  [/^(source|src)([._-]|$)|[._-](src|source|sources)\.(tar(\.\w+)?|tgz|zip)$/i, 'a source archive'],
];

const ARCH_HINTS: Array<[RegExp, string]> = [
  [/(^|[._-])(x86[_-]64|amd64|x64)([._-]|$)/i, 'amd64'],
  [/(^|[._-])(aarch64|arm64)([._-]|$)/i, 'arm64'],
  [/(^|[._-])(armv7l?|armhf|arm32|armv6l?|arm)([._-]|$)/i, 'arm'],
  [/(^|[._-])(i[3-6]86|x86(?![_-]64)|386)([._-]|$)/i, '386'],
  [/(^|[._-])(ppc64le|powerpc64le)([._-]|$)/i, 'ppc64le'],
  [/(^|[._-])s390x([._-]|$)/i, 's390x'],
  [/(^|[._-])riscv64(gc)?([._-]|$)/i, 'riscv64'],
];

/** The one architecture an asset's name names, when it names exactly one. */
function archFromName(name: string): string | undefined {
  const found = new Set(ARCH_HINTS.filter(([re]) => re.test(name)).map(([, a]) => a));
  return found.size === 1 ? [...found][0] : undefined;
}

export function assetDisposition(name: string): AssetDisposition {
  for (const [re, reason] of SKIP) if (re.test(name)) return { check: false, reason };
  return { check: true, arch: archFromName(name) };
}

/** A glob over asset names: `*` any run of characters, `?` one; the whole name must match. */
export function globMatch(glob: string, name: string): boolean {
  const re = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`, 'i').test(name);
}
