export * from './daemon.js';
export * from './trust/pki.js';
export * from './trust/site-pki.js';
export * from './trust/local-site.js';
export * from './trust/login-token.js';
