/** A workflow whose job pushes before anything ran the image (RO-W001 at the push line). */
export const PUSH_FIRST_WORKFLOW = `name: quick
on: push
jobs:
  ship:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@v5
      - run: docker build -t app .
      - run: docker push ghcr.io/acme/rocket:latest
`;
