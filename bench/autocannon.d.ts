// autocannon ships no types and @types/autocannon is not installed; only what the harness uses.
declare module 'autocannon' {
  function autocannon(opts: autocannon.Options): autocannon.Instance;
  namespace autocannon {
    interface Histogram {
      average: number;
      mean: number;
      stddev: number;
      min: number;
      max: number;
      total: number;
      p50: number;
      p90: number;
      p99: number;
    }
    /** One entry of `requests`: autocannon rebuilds the request through `setupRequest` each time. */
    interface Request {
      method?: string;
      path?: string;
      headers?: Record<string, string>;
      body?: string;
      setupRequest?: (req: Request, context: Record<string, unknown>) => Request;
    }
    /** The running load: awaitable for its result, stoppable early. */
    interface Instance extends PromiseLike<Result> {
      stop(): void;
    }
    interface Options {
      requests?: Request[];
      url: string;
      connections?: number;
      duration?: number;
      workers?: number;
      method?: string;
      headers?: Record<string, string>;
      body?: string;
      timeout?: number;
    }
    interface Result {
      requests: Histogram;
      latency: Histogram;
      duration: number;
      errors: number;
      timeouts: number;
      non2xx: number;
      statusCodeStats: Record<string, { count: number }>;
    }
  }
  export = autocannon;
}
