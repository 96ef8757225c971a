// While gradients are recorded, tfjs clones every tensor a kernel saves for its backward pass, through the
// Identity kernel. The wasm backend's Identity copies the data; the cpu backend's shares it (tensors are
// immutable, and the backend counts references, as the wasm Reshape kernel already does). Sharing removes a
// full copy of most activations every training step.
import { tf } from '../tf.ts';

interface RefCounting {
  incRef(dataId: object): void;
}

let stockConfig: tf.KernelConfig | undefined;

export function registerSharedIdentity(): void {
  if (stockConfig) return;
  stockConfig = tf.getKernel(tf.Identity, 'wasm');
  if (!stockConfig) throw new Error('the wasm backend has no Identity kernel to replace');
  tf.unregisterKernel(tf.Identity, 'wasm');
  tf.registerKernel({
    kernelName: tf.Identity,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend }) => {
      const x = (inputs as { x: tf.TensorInfo }).x;
      (backend as unknown as RefCounting).incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    },
  });
}

export function unregisterSharedIdentity(): void {
  if (!stockConfig) return;
  tf.unregisterKernel(tf.Identity, 'wasm');
  tf.registerKernel(stockConfig);
  stockConfig = undefined;
}
