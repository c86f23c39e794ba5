#!/usr/bin/env node
// Entry point of the `ragops` command; the compiled CLI lives in ../dist (npm run build).
import '../dist/main.js';
