import { render } from 'preact';
import 'uplot/dist/uPlot.min.css';
import '../console.css';
import { App } from './app.tsx';

// Replace the static loading line: render() adds to the container, it does not clear it.
const root = document.getElementById('app')!;
root.textContent = '';
render(<App />, root);
