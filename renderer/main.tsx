import { createRoot } from 'react-dom/client';
import { App } from './App';
import { createBridgeClient } from './bridge/client';
import { defaultTransport } from './bridge/transports';
import { createStores, StoresProvider } from './state/context';
import './styles.css';

const stores = createStores(createBridgeClient(defaultTransport()));
createRoot(document.getElementById('root')!).render(
  <StoresProvider stores={stores}>
    <App />
  </StoresProvider>,
);
