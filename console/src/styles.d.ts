/** Stylesheets the console imports for their side effect: esbuild bundles them into app.css (console/build.ts). */
declare module '*.css';
