/**
 * The WSOL methods by name. icl and spa2net register here when they land (their modules should also
 * register any custom layer classes with tf.serialization.registerClass on import, so that
 * loadModelFolder, which imports this registry, can deserialize their model.json).
 */
import { WsolError } from '../../errors.js';
import { camMethod } from './cam.js';
import { dglMethod } from './dgl.js';
import { gradcamMethod } from './gradcam.js';
import type { MethodName, WsolMethod } from './method.js';

const METHODS = new Map<string, WsolMethod>([
  [camMethod.name, camMethod],
  [gradcamMethod.name, gradcamMethod],
  [dglMethod.name, dglMethod],
]);

export function methodNames(): MethodName[] {
  return [...METHODS.keys()] as MethodName[];
}

export function getMethod(name: string): WsolMethod {
  const method = METHODS.get(name);
  if (!method) {
    throw new WsolError('usage', `Unknown WSOL method "${name}".`, { hint: `Use one of: ${methodNames().join(', ')}.` });
  }
  return method;
}

/** For methods added later (icl, spa2net) from their own modules. */
export function registerMethod(method: WsolMethod): void {
  METHODS.set(method.name, method);
}
