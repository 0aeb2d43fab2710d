import { Route, Routes } from 'react-router-dom';
import { Home } from './pages/Home';

// The console's top-level routes. Each area lives in its own module under
// pages/: the agent CCP, the admin console (with the flow designer), the
// supervisor's real-time view, and the page to try the chat widget.
export function App() {
  return (
    <Routes>
      <Route path="*" element={<Home />} />
    </Routes>
  );
}
