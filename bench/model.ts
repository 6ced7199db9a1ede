/**
 * `npm run bench -- model [flags]`: the training-step bench of the reference net (bench/model-kernels.ts:
 * wasm vs cpu, the issue-3 target) and then the inference bench (bench/model-inference.ts: forward and
 * every map method per backend and batch size, and the training step of the default backbone).
 * Flags are passed to both; each ignores the ones it does not know:
 *   --quick     fewer timed runs (inference)
 *   --no-cpu    skip the cpu backend (it is hundreds of times slower)
 *   --webgpu    also the webgpu backend, software adapters allowed
 *   --profile   wasm kernel times of one reference training step instead of the kernel table
 *   --model DIR inference of a saved model folder instead of the random-weight nets
 *   --widths a,b,c,d / --head-width N   the default backbone with these widths (as `wsol train` takes them)
 */
export async function runModelBench(args: string[]): Promise<void> {
  const { runModelKernelBench } = await import('./model-kernels.js');
  const { runModelInferenceBench } = await import('./model-inference.js');
  await runModelKernelBench(args);
  await runModelInferenceBench(args);
}
