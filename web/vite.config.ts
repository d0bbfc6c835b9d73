import path from 'node:path';
import { defineConfig } from 'vite';

// The dashboard (index.html) and the bundled GraphiQL (graphiql/index.html), built by
// scripts/build-web.js into web/dist, which the server serves (src/dashboard.ts).
export default defineConfig({
  root: __dirname,
  base: '/',
  logLevel: 'warn',
  esbuild: { jsx: 'automatic' },
  build: {
    outDir: path.join(__dirname, 'dist'),
    emptyOutDir: true,
    chunkSizeWarningLimit: 4096,
    rollupOptions: {
      // GraphiQL's Radix components carry React Server Components' "use client", meaningless here.
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
      input: { main: path.join(__dirname, 'index.html'), graphiql: path.join(__dirname, 'graphiql/index.html') },
    },
  },
});
