import { Route, Routes } from 'react-router-dom';
import { Home } from './pages/Home';
import { LoginPage } from './session/LoginPage';
import { CCP } from './ccp/CCP';
import { AdminApp } from './admin/AdminApp';
import { DesignerPage } from './designer/DesignerPage';
import { Supervisor } from './supervisor/Supervisor';
import { TryWidget } from './widget/TryWidget';

// The console's top-level routes. Each area lives in its own directory:
// session/ (login), ccp/ (the agent's Contact Control Panel, on
// agent-client/), admin/ (the admin console), designer/ (the flow
// designer), supervisor/ (the real-time view), widget/ (the page to try the
// chat widget; the widget itself is a separate bundle).
export function App() {
  return (
    <Routes>
      <Route path="/login" element={<LoginPage />} />
      <Route path="/ccp/*" element={<CCP />} />
      <Route path="/admin/flows/:flowId/design" element={<DesignerPage />} />
      <Route path="/admin/*" element={<AdminApp />} />
      <Route path="/supervisor/*" element={<Supervisor />} />
      <Route path="/widget/*" element={<TryWidget />} />
      <Route path="*" element={<Home />} />
    </Routes>
  );
}
