import type { GraphiQLOptions } from 'graphql-yoga';

/**
 * GraphiQL served from this server: the page, its bundle, styles, icon and the Monaco
 * editor workers all come from @graphql-yoga/render-graphiql (the same build Yoga's
 * default page fetches from unpkg), so the page works on a machine without internet.
 */
export const GRAPHIQL_ASSET_PREFIX = '/graphiql/';

/** A static file: its body and content type. */
export interface StaticAsset {
  body: string | Uint8Array<ArrayBuffer>;
  type: string;
}

type BundleModule = typeof import('@graphql-yoga/render-graphiql/graphiql');

let bundle: Promise<BundleModule> | null = null;

// The bundle is 9 MB of strings: load it on the first GraphiQL request, not at start-up.
function loadBundle(): Promise<BundleModule> {
  bundle ??= import('@graphql-yoga/render-graphiql/graphiql');
  return bundle;
}

function dataUrlBytes(dataUrl: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(Buffer.from(dataUrl.slice(dataUrl.indexOf(',') + 1), 'base64'));
}

// Runs before the bundle: Monaco asks for its workers by label, and they are plain
// same-origin scripts here (Yoga's page fetches them from unpkg into blob: URLs).
// After the bundle has loaded, it renders the options the page carries as JSON.
const BOOT_SCRIPT = `(() => {
  const workers = {
    editorWorkerService: '${GRAPHIQL_ASSET_PREFIX}editor.worker.js',
    json: '${GRAPHIQL_ASSET_PREFIX}json.worker.js',
    graphql: '${GRAPHIQL_ASSET_PREFIX}graphql.worker.js',
  };
  self.MonacoEnvironment = { globalAPI: false, getWorkerUrl: (_moduleId, label) => workers[label] ?? workers.editorWorkerService };
  // In GraphiQL 5 a pressed tab takes the focus, and the focus change undoes the tab
  // change of the click that follows (a click without the press switches fine), so
  // every example tab but the last stayed on the first one. The press on a tab button
  // keeps the focus where it is; the click then switches the tab.
  window.addEventListener('mousedown', (event) => {
    if (event.target instanceof Element && event.target.closest('.graphiql-tab-button')) event.preventDefault();
  }, true);
  const OWN_TABS_KEY = 'supportgraph:graphiql-tabs';
  document.addEventListener('DOMContentLoaded', () => {
    const options = JSON.parse(document.getElementById('graphiql-options').textContent);
    const tabs = options.defaultTabs ?? [];
    // GraphiQL restores the tabs of the last visit from localStorage and only falls back
    // to defaultTabs when there are none, so a changed set of examples would never show;
    // and without a query of its own the first tab shows the welcome comment. Start from
    // our tabs whenever the examples differ from the ones stored at the last visit.
    const signature = JSON.stringify(tabs.map((tab) => tab.query));
    let fresh = true;
    try {
      fresh = localStorage.getItem(OWN_TABS_KEY) !== signature;
      if (fresh) {
        for (const key of Object.keys(localStorage)) if (key.startsWith('graphiql:')) localStorage.removeItem(key);
        localStorage.setItem(OWN_TABS_KEY, signature);
      }
    } catch {
      // Storage may be disabled; GraphiQL then starts from defaultTabs anyway.
    }
    // GraphiQL fills its editors from initialQuery/initialVariables (else from the last
    // visit), not from the active tab: without these the first tab showed its query with
    // empty variables and failed with "Variable $range ... was not provided". A returning
    // visitor keeps the editors GraphiQL stored with their own active tab.
    if (fresh && tabs.length > 0) {
      options.initialQuery = tabs[0].query;
      options.initialVariables = tabs[0].variables;
    }
    YogaGraphiQL.renderYogaGraphiQL(document.getElementById('root'), options);
  });
})();
`;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** GraphiQL's page: references only same-origin assets; the options travel as JSON. */
export function renderGraphiQLPage(options: GraphiQLOptions): string {
  const title = escapeHtml(options.title ?? 'GraphiQL');
  // `<` is escaped so that no query text can close the script element.
  const json = JSON.stringify(options).replace(/</g, '\\u003c');
  const p = GRAPHIQL_ASSET_PREFIX;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${title}</title>
<link rel="icon" href="${p}favicon.ico">
<link rel="stylesheet" href="${p}graphiql.css">
</head>
<body id="body" class="no-focus-outline">
<noscript>You need to enable JavaScript to run GraphiQL.</noscript>
<div id="root">Loading ${title}…</div>
<script id="graphiql-options" type="application/json">${json}</script>
<script src="${p}boot.js"></script>
<script src="${p}yoga-graphiql.js"></script>
</body>
</html>
`;
}

/** The asset GraphiQL's page asks for under /graphiql/, or null for an unknown name. */
export async function graphiqlAsset(name: string): Promise<StaticAsset | null> {
  const js = 'text/javascript; charset=utf-8';
  if (name === 'boot.js') return { body: BOOT_SCRIPT, type: js };
  const files: Record<string, (m: BundleModule) => StaticAsset> = {
    'yoga-graphiql.js': (m) => ({ body: m.js, type: js }),
    'graphiql.css': (m) => ({ body: m.css, type: 'text/css; charset=utf-8' }),
    'favicon.ico': (m) => ({ body: dataUrlBytes(m.favicon), type: 'image/x-icon' }),
    'editor.worker.js': (m) => ({ body: m.editorWorkerService, type: js }),
    'json.worker.js': (m) => ({ body: m.jsonWorker, type: js }),
    'graphql.worker.js': (m) => ({ body: m.graphqlWorker, type: js }),
  };
  const make = files[name];
  return make ? make(await loadBundle()) : null;
}
