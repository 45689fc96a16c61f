import { defineConfig } from 'vite';

// The build is committed (dist/) and embedded in the binary, so it must
// be reproducible: no timestamps, content-hashed names, one chunk.
export default defineConfig({
  base: '/',
  build: {
    outDir: process.env.EDDY_CONSOLE_OUT || 'dist',
    emptyOutDir: true,
    sourcemap: false,
    reportCompressedSize: false,
    chunkSizeWarningLimit: 1000,
  },
});
