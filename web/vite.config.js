// Vite build configuration for the Shushu web shell (Vue + on-demand Element Plus).
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import AutoImport from 'unplugin-auto-import/vite'
import Components from 'unplugin-vue-components/vite'
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers'

// During `npm run dev`, API calls are proxied to a locally running C server.
// Override the target with SHUSHU_API_URL, e.g. SHUSHU_API_URL=http://127.0.0.1:9000 npm run dev
const apiTarget = process.env.SHUSHU_API_URL || 'http://127.0.0.1:8080'

export default defineConfig({
  base: '/',
  plugins: [
    vue(),
    // Element Plus functions (ElMessage, ...) and components are imported per use,
    // together with their CSS; no global `app.use(ElementPlus)`.
    AutoImport({ resolvers: [ElementPlusResolver()], dts: false }),
    Components({ resolvers: [ElementPlusResolver()], dts: false }),
  ],
  server: {
    proxy: {
      '/api': { target: apiTarget, changeOrigin: true },
      '/healthz': { target: apiTarget, changeOrigin: true },
    },
  },
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    // Keep CSP-friendly output: no inlined scripts, small assets become files or data: URIs (allowed by img-src/font-src).
    sourcemap: false,
    // The lazily loaded ECharts chunk (~570 kB raw, ~190 kB gzip) is expected; keep warnings for anything bigger.
    chunkSizeWarningLimit: 700,
    rolldownOptions: {
      output: {
        // Name the Vue runtime chunk plainly (it is needed on every page anyway). Element Plus and
        // ECharts are left to automatic splitting so each route only loads the parts it uses.
        codeSplitting: {
          groups: [{ name: 'vue-vendor', test: /[\\/]node_modules[\\/](@vue|vue|vue-router|pinia)[\\/]/ }],
        },
      },
    },
  },
})
