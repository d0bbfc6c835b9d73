import { nativeAddon } from '../../src/engine/kernels/native';

/** Whether the native kernels addon built and loads here. */
export function nativeBuilt(): boolean {
  try {
    nativeAddon();
    return true;
  } catch {
    return false;
  }
}

/** The backend initBackend() picks on this machine without NIR_SSL_BACKEND (tfjs-node is not installed in tests). */
export function automaticBackend(): 'native' | 'wasm' {
  return nativeBuilt() ? 'native' : 'wasm';
}

/** The backend a worker or server started by the tests loads: NIR_SSL_BACKEND where CI forces one, else the automatic choice. */
export function expectedBackend(): string {
  return process.env.NIR_SSL_BACKEND || automaticBackend();
}
