import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";
import { config } from "./config";
import { ConvexReactClient } from "./lib/convex";
// Tokens, the page, shared pieces (each feature imports its own sheet beside its components).
import "./styles/global.css";

const root = createRoot(document.getElementById("root")!);

if (config.convexUrl === undefined) {
  root.render(
    <main className="page" id="main" data-testid="config-error">
      <h1>Not configured</h1>
      <p>
        Set <code>VITE_CONVEX_URL</code> to your Convex deployment URL, or run <code>npm start</code>, which starts the local
        engine and sets it for you.
      </p>
    </main>,
  );
} else {
  const client = new ConvexReactClient(config.convexUrl);
  root.render(
    <StrictMode>
      <App client={client} />
    </StrictMode>,
  );
}
