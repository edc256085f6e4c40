// aws-local-stepfunctions uses Promise.withResolvers (Node 22+). `npm test` runs on Node 24 (scripts/node24.mjs);
// this keeps vitest started directly on an older Node working too.
if (typeof (Promise as { withResolvers?: unknown }).withResolvers !== 'function') {
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    value<T>() {
      let resolve!: (value: T | PromiseLike<T>) => void;
      let reject!: (reason?: unknown) => void;
      const promise = new Promise<T>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    },
  });
}

// On a Node older than Lambda's, the SDK's one-time notice about its future Node 22 requirement
// says nothing about the code under test, so keep it out of test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
