import { spawnSync } from 'node:child_process';

/**
 * Whether a Prometheus binary (Debian's `prometheus` package: `prometheus`, `promtool`) is on
 * the PATH. CI installs it (.ci/run), so there a missing binary is a failure, never a skip;
 * on a developer machine without it the tests say so and skip.
 */
export function prometheusBinary(name: 'prometheus' | 'promtool'): { available: true } | { available: false; why: string } {
  const probe = spawnSync(name, ['--version'], { encoding: 'utf8' });
  if (!probe.error && probe.status === 0) return { available: true };
  const why = `${name} is not installed (apt-get install -y prometheus); .ci/run installs it`;
  if (process.env.CI) throw new Error(`${why}, but this is CI: the test must run`);
  return { available: false, why };
}
