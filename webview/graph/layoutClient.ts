/**
 * Runs graph layouts in a Web Worker. The worker's code is bundled separately and inlined
 * into the panel's script as text at build time (scripts/webviewBundle.mjs), then started
 * from a blob URL: a webview may start workers only from `blob:` (its CSP says `worker-src
 * blob:`), not from its resource origin. Without a worker (none can start), layouts run on
 * this thread and the panel says so once.
 */
import { FrameCache, layoutFrames, type GraphLayout, type LayoutRequest } from '../graphLayout.js';

declare const __LAYOUT_WORKER_SOURCE__: string;

type Reply = { id: number; layout?: GraphLayout; error?: string };

export class LayoutClient {
  private worker: Worker | null = null;
  private readonly pending = new Map<number, { resolve: (l: GraphLayout) => void; reject: (e: Error) => void }>();
  private next = 1;
  private local: FrameCache | null = null;

  constructor(private readonly onProblem: (message: string) => void) {
    try {
      const url = URL.createObjectURL(new Blob([__LAYOUT_WORKER_SOURCE__], { type: 'text/javascript' }));
      this.worker = new Worker(url);
      this.worker.onmessage = (e: MessageEvent<Reply>) => this.reply(e.data);
      this.worker.onerror = (e) => {
        this.onProblem(`layout worker failed: ${e.message}; laying out on the main thread`);
        this.fallBack();
      };
    } catch (e) {
      this.onProblem(`no layout worker (${(e as Error).message}); laying out on the main thread`);
      this.worker = null;
    }
  }

  /** Whether layouts run in a worker (false after a fallback). */
  get inWorker(): boolean {
    return this.worker !== null;
  }

  layout(request: LayoutRequest): Promise<GraphLayout> {
    if (!this.worker) {
      this.local ??= new FrameCache();
      return Promise.resolve(layoutFrames(request, this.local));
    }
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker!.postMessage({ id, request });
    });
  }

  private reply(r: Reply): void {
    const p = this.pending.get(r.id);
    if (!p) return;
    this.pending.delete(r.id);
    if (r.layout) p.resolve(r.layout);
    else p.reject(new Error(r.error ?? 'layout failed'));
  }

  private fallBack(): void {
    this.worker?.terminate();
    this.worker = null;
    for (const [, p] of this.pending) p.reject(new Error('layout worker stopped'));
    this.pending.clear();
  }

  dispose(): void {
    this.worker?.terminate();
    this.worker = null;
  }
}
