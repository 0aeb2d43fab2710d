import { lazy, Suspense } from 'react';
import { Route, Routes } from 'react-router-dom';
import { Center, Loader } from '@mantine/core';
import { Home } from './pages/Home';
import { LoginPage } from './session/LoginPage';

// The console's top-level routes. Each area lives in its own directory:
// session/ (login), ccp/ (the agent's Contact Control Panel, on
// agent-client/), admin/ (the admin console), designer/ (the flow
// designer), supervisor/ (the real-time view), widget/ (the page to try the
// chat widget; the widget itself is a separate bundle). Areas load on
// demand, so an agent's CCP does not download the designer (React Flow,
// dagre) or the supervisor's charts.
const CCP = lazy(() => import('./ccp/CCP').then((m) => ({ default: m.CCP })));
const AdminApp = lazy(() => import('./admin/AdminApp').then((m) => ({ default: m.AdminApp })));
const DesignerPage = lazy(() => import('./designer/DesignerPage').then((m) => ({ default: m.DesignerPage })));
const Supervisor = lazy(() => import('./supervisor/Supervisor').then((m) => ({ default: m.Supervisor })));
const TryWidget = lazy(() => import('./widget/TryWidget').then((m) => ({ default: m.TryWidget })));

export function App() {
  return (
    <Suspense
      fallback={
        <Center h="100vh">
          <Loader aria-label="Loading" />
        </Center>
      }
    >
      <Routes>
        <Route path="/login" element={<LoginPage />} />
        <Route path="/ccp/*" element={<CCP />} />
        <Route path="/admin/flows/:flowId/design" element={<DesignerPage />} />
        <Route path="/admin/*" element={<AdminApp />} />
        <Route path="/supervisor/*" element={<Supervisor />} />
        <Route path="/widget/*" element={<TryWidget />} />
        <Route path="*" element={<Home />} />
      </Routes>
    </Suspense>
  );
}
