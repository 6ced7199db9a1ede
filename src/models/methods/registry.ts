/**
 * The WSOL methods by name. Importing icl and spa2net here also registers their custom layer classes
 * (tf.serialization.registerClass on import), so that loadModelFolder, which imports this registry,
 * can deserialize their model.json.
 */
import { WsolError } from '../../errors.js';
import { camMethod } from './cam.js';
import { dglMethod } from './dgl.js';
import { gradcamMethod } from './gradcam.js';
import { iclMethod } from './icl/icl.js';
import type { MethodName, WsolMethod } from './method.js';
import { spa2netMethod } from './spa2net/spa2net.js';

const METHODS = new Map<string, WsolMethod>([
  [camMethod.name, camMethod],
  [gradcamMethod.name, gradcamMethod],
  [dglMethod.name, dglMethod],
  [iclMethod.name, iclMethod],
  [spa2netMethod.name, spa2netMethod],
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

/** For methods added from other modules. */
export function registerMethod(method: WsolMethod): void {
  METHODS.set(method.name, method);
}
