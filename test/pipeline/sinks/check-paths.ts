/**
 * Child process of the read-only folder test (run as an unprivileged user when the tests run as
 * root, since root may write anywhere): checks the output paths given as JSON and prints the
 * error message, or "ok".
 *
 *   node --import tsx check-paths.ts '{"coco":"/some/path.json"}'
 */
import { checkOutputPaths } from '../../../src/pipeline/sinks/output-check.js';

try {
  checkOutputPaths(JSON.parse(process.argv[2]!) as Record<string, string>, 'cam');
  process.stdout.write('ok\n');
} catch (error) {
  process.stdout.write(`${(error as Error).message}\n`);
}
