// Wires the wasm build to the JS side of the package: registers the error classes, gives `Env`
// its `[Symbol.asyncDispose]` (so `await using env = await fleet.make(...)` always closes) and
// `EventStream` its `[Symbol.asyncIterator]` (so `for await (const e of fleet.events())` works).
// Loaded by every entry (js/node.cjs through its generated CommonJS twin, js/web.mjs directly).

const asyncDispose = Symbol.asyncDispose ?? Symbol.for('Symbol.asyncDispose');

/** Connects one wasm build (its exports object) to the error classes. */
export function install(wasm, errors) {
  wasm.__registerErrorClasses(errors);
  // `fleet.events()` answers an EventStream: make it `for await`-able (its next/return are Rust's).
  Object.defineProperty(wasm.EventStream.prototype, Symbol.asyncIterator, {
    configurable: true,
    value() { return this; },
  });
  Object.defineProperty(wasm.Env.prototype, asyncDispose, {
    configurable: true,
    value() {
      // Disposing an instance the server already forgot is not an error.
      return this.close().then(
        () => undefined,
        (error) => {
          if (error && error.code === 'not_found') return undefined;
          throw error;
        },
      );
    },
  });
}

/** The public exports of a wasm build: everything but its `__` internals. */
export function publicExports(wasm) {
  return Object.fromEntries(Object.entries(wasm).filter(([name]) => !name.startsWith('__')));
}
