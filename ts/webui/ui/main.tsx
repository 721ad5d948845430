// Entry point: one store for the page's life, the app rendered into #app.

import { render } from 'preact';

import { App } from './app.js';
import { ClusterStore } from './data/store.js';
import './style.css';

const store = new ClusterStore();
// For tests and debugging in the console: window.tessera.store.
(window as unknown as { tessera: { store: ClusterStore } }).tessera = { store };
render(<App store={store} />, document.getElementById('app')!);
// After the page's first effects (Preact runs them after the next frame): its
// own queries reach the master before the summary does, and the master
// answers one at a time.
requestAnimationFrame(() => setTimeout(() => store.start(), 0));
