// Vite's import suffixes that web/ uses, declared here: tsconfig.json loads only Node's types,
// not vite/client's.

/** The URL of a module bundled as a worker script: `import url from './x.js?worker&url'`. */
declare module '*?worker&url' {
  const url: string;
  export default url;
}
