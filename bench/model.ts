/** `npm run bench -- model`: see bench/model-kernels.ts (training step) and bench/model-inference.ts. */
export async function runModelBench(args: string[]): Promise<void> {
  const { runModelKernelBench } = await import('./model-kernels.js');
  await runModelKernelBench(args);
}
