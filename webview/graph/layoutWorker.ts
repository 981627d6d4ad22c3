/**
 * The layout worker (bundled on its own, then started from a blob URL by layoutClient.ts):
 * lays out requests with dagre off the panel's main thread, keeping unchanged frames' layouts
 * between requests.
 */
import { FrameCache, layoutFrames, type LayoutRequest } from '../graphLayout.js';

const cache = new FrameCache();
const scope = globalThis as unknown as { onmessage: ((e: MessageEvent<{ id: number; request: LayoutRequest }>) => void) | null; postMessage(m: unknown): void };

scope.onmessage = (e) => {
  const { id, request } = e.data;
  try {
    scope.postMessage({ id, layout: layoutFrames(request, cache) });
  } catch (err) {
    scope.postMessage({ id, error: (err as Error).stack ?? String(err) });
  }
};
