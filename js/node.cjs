'use strict';
// Node entry (require). Loads the wasm build for Node and connects it to the error classes.
const wasm = require('../dist/node/flotilla.js');
const errors = require('../dist/errors.cjs');
const { install, publicExports } = require('../dist/install.cjs');

install(wasm, errors);

module.exports = { ...publicExports(wasm), ...errors };
