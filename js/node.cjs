'use strict';
// Node entry (require). Loads the wasm build for Node and registers the error classes with it.
const wasm = require('../dist/node/flotilla.js');
const errors = require('../dist/errors.cjs');

wasm.__registerErrorClasses(errors);

module.exports = { Fleet: wasm.Fleet, ...errors };
