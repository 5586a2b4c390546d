// A generated workflow for the linear-time test (test/unit/lint/hostile.test.ts) and the lint bench case.

/** A workflow of `n` jobs in a chain of needs, every tenth pushing, every tenth (offset) running the image. */
export function bigWorkflow(n: number): string {
  const lines = ['name: big', 'on: push', 'jobs:'];
  for (let i = 0; i < n; i++) {
    lines.push(`  j${i}:`, '    runs-on: ubuntu-latest');
    if (i > 0) lines.push(`    needs: [j${i - 1}]`);
    lines.push('    steps:', '      - uses: actions/checkout@v4');
    if (i % 10 === 0)
      lines.push(
        `      - run: docker buildx build --platform linux/amd64,linux/arm64 -t ghcr.io/acme/app:${i} --push .`,
      );
    else if (i % 10 === 5) lines.push('      - run: docker run --rm app --help');
    else if (i % 97 === 3) lines.push('      - run: gh release create v1');
    else lines.push('      - run: echo step');
  }
  return lines.join('\n') + '\n';
}
