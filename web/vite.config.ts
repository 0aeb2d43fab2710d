/// <reference types="vitest/config" />
import { build, defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

// The chat widget (src/widget/embed) is a separate script for customer
// websites: one self-contained IIFE, dist/app/widget.js, built after the
// console by this plugin so that `vite build` produces both.
function chatWidget(): Plugin {
  return {
    name: 'switchboard-chat-widget',
    apply: 'build',
    async closeBundle() {
      await build({
        configFile: false,
        root: fileURLToPath(new URL('.', import.meta.url)),
        logLevel: 'warn',
        build: {
          outDir: 'dist/app',
          emptyOutDir: false,
          copyPublicDir: false,
          lib: { entry: 'src/widget/embed/index.ts', name: 'SwitchboardChat', formats: ['iife'], fileName: () => 'widget.js' },
        },
      });
    },
  };
}

// `switchboard serve` serves the built console at / (web/embed.go answers
// index.html for the paths it has no file for, so client-side routes
// survive a reload). `npm run dev` proxies the API to a local server.
export default defineConfig({
  plugins: [react(), chatWidget()],
  base: '/',
  build: {
    outDir: 'dist/app',
    emptyOutDir: true,
    chunkSizeWarningLimit: 2000,
  },
  server: {
    proxy: {
      '/api': { target: 'http://127.0.0.1:8080', ws: true },
    },
  },
  test: {
    environment: 'node',
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx'],
    // Component tests render Mantine in jsdom: a few take seconds on a
    // loaded 2-core machine, so the default 5 s would fail them for load,
    // not for a defect.
    testTimeout: 20_000,
  },
});
