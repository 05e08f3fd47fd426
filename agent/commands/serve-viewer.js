// Browser script of the `agent serve` index page: opens the chosen image in OpenSeadragon.
// Tiles always come from this server, whatever --base-url the output was made with:
// OpenSeadragon builds tile URLs from the `id` inside info.json, so it gets a copy of
// info.json whose id points here.
/* global OpenSeadragon */

const viewerElement = document.querySelector('[data-testid="viewer"]');
const caption = document.getElementById('caption');
const links = [...document.querySelectorAll('[data-testid="image-link"]')];
let viewer = null;
let currentId = null;
let opening = 0; // Counts opens, so that events of an older one are ignored.

/** This server's URL of an image service (no trailing slash). */
function localServiceUrl(id) {
  return new URL(`iiif/${encodeURIComponent(id)}`, document.baseURI).href;
}

async function localTileSource(id) {
  const service = localServiceUrl(id);
  const response = await fetch(`${service}/info.json`);
  if (!response.ok) throw new Error(`info.json: HTTP ${response.status}`);
  const info = await response.json();
  const key = 'id' in info ? 'id' : '@id'; // Image API 3 : 2
  return { ...info, [key]: service };
}

function getViewer() {
  viewer ??= OpenSeadragon({
    element: viewerElement,
    prefixUrl: '_osd/images/',
    crossOriginPolicy: 'Anonymous',
    showNavigator: true,
    navigatorPosition: 'BOTTOM_RIGHT',
    maxZoomPixelRatio: 4,
    visibilityRatio: 0.5,
  });
  return viewer;
}

function setCaption(text) {
  caption.textContent = text;
}

async function openImage(id) {
  const link = links.find((a) => a.dataset.id === id);
  if (!link || (id === currentId && viewerElement.dataset.state !== 'error')) return;
  currentId = id;
  const current = ++opening;
  for (const a of links) {
    a.classList.toggle('active', a === link);
    if (a === link) a.setAttribute('aria-current', 'true');
    else a.removeAttribute('aria-current');
  }
  const label = link.querySelector('.label').textContent;
  const meta = link.querySelector('.meta').textContent;
  viewerElement.dataset.state = 'loading';
  setCaption(`Opening ${label}…`);
  let source;
  try {
    source = await localTileSource(id);
  } catch (err) {
    if (current !== opening) return;
    viewerElement.dataset.state = 'error';
    setCaption(`Could not open ${label}: ${err.message}`);
    return;
  }
  if (current !== opening) return;
  const v = getViewer();
  v.addOnceHandler('open', () => {
    if (current !== opening) return;
    const item = v.world.getItemAt(0);
    const loaded = () => {
      if (current === opening) viewerElement.dataset.state = 'loaded';
    };
    if (item.getFullyLoaded()) loaded();
    else item.addOnceHandler('fully-loaded-change', loaded);
    setCaption(`${label} · ${meta} · scroll to zoom, drag to pan`);
  });
  v.addOnceHandler('open-failed', (e) => {
    if (current !== opening) return;
    viewerElement.dataset.state = 'error';
    setCaption(`Could not open ${label}: ${e.message}`);
  });
  v.open(source);
}

function idFromHash() {
  try {
    return decodeURIComponent(location.hash.slice(1));
  } catch {
    return '';
  }
}

addEventListener('hashchange', () => openImage(idFromHash()));
// Open the image named in the address, else the first one.
if (links.length > 0) openImage(links.some((a) => a.dataset.id === idFromHash()) ? idFromHash() : links[0].dataset.id);

// For tests and the console.
window.tessella = {
  get viewer() {
    return viewer;
  },
  openImage,
};
