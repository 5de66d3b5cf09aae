/**
 * Where a Jupyter server is and how to talk to it: the URLs and token, and the
 * `@jupyterlab/services` settings built from them for the REST calls.
 */
import { ServerConnection } from '@jupyterlab/services';

/** A reachable Jupyter Server (local or remote). */
export interface JupyterServerInfo {
  /** e.g. `http://127.0.0.1:8888/` or `https://hub.example.org/user/ana/`. */
  baseUrl: string;
  /** The same with `ws:`/`wss:`. */
  wsUrl: string;
  /** The server's token ('' when it needs none). */
  token: string;
  /** Settings for `@jupyterlab/services`' REST calls (`KernelAPI`). */
  settings: ServerConnection.ISettings;
}

/**
 * Builds the connection facts of a server from its URL and token.
 * @throws Error when `url` is not an http(s) URL.
 */
export function serverInfo(url: string, token: string): JupyterServerInfo {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`jupyter: not a URL: ${JSON.stringify(url)}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new Error(`jupyter: the server URL must be http or https, got ${JSON.stringify(url)}`);
  }
  const baseUrl = parsed.href.endsWith('/') ? parsed.href : `${parsed.href}/`;
  const wsUrl = baseUrl.replace(/^http/, 'ws');
  const settings = ServerConnection.makeSettings({ baseUrl, wsUrl, token, appendToken: false });
  return { baseUrl, wsUrl, token, settings };
}
