// Entry point of the renderer: mounts the app. Everything it needs is bundled; nothing loads remotely.
import { mount } from 'svelte';
import App from './App.svelte';
import './app.css';

const target = document.getElementById('app');
if (!target) throw new Error('milens: the page has no #app element');
mount(App, { target });
