// While gradients are recorded, tfjs clones every tensor a kernel saves for its backward pass, through the
// Identity kernel. The wasm backend's Identity copies the data; the cpu backend's shares it (tensors are
// immutable, and the backend counts references, as the wasm Reshape kernel already does). Sharing removes a
// full copy of most activations every training step.
import { tf } from '../tf.ts';
import { wasmKernelOverride, type WasmBackendLike } from './override.ts';

const override = wasmKernelOverride(tf.Identity, () => ({ inputs, backend }) => {
  const x = (inputs as { x: tf.TensorInfo }).x;
  (backend as WasmBackendLike).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
});

export const registerSharedIdentity = override.register;
export const unregisterSharedIdentity = override.unregister;
