#!/usr/bin/env node
// The CLI runs from its TypeScript sources: tsx compiles them as they load, so there is no build step.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
