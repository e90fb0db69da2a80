import { defineConfig } from 'vite'

// `npm run dev` serves the dashboard with hot reload and sends the API and
// the websocket to a `tsa serve` on 127.0.0.1:8080 (TSA_DEV_BACKEND to change).
const backend = process.env.TSA_DEV_BACKEND ?? 'http://127.0.0.1:8080'

export default defineConfig({
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    target: 'es2022',
    reportCompressedSize: true,
  },
  server: {
    proxy: {
      '/api': { target: backend, changeOrigin: true },
      '/ws': { target: backend.replace(/^http/, 'ws'), ws: true, changeOrigin: true },
    },
  },
})
